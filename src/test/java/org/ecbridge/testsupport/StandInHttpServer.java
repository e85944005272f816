package org.ecbridge.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Vert.x plumbing that both stand-ins share: one {@link Vertx} instance, a {@link Router}, an HTTP/1.1 server
 * on 127.0.0.1 with a random free port, the request log and the failure injection.
 */
final class StandInHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StandInHttpServer.class);
    private static final String LOOPBACK_HOST = "127.0.0.1";
    private static final Duration LIFECYCLE_TIMEOUT = Duration.ofSeconds(15);

    private final String serviceName;
    private final Vertx vertx;
    private final Router router;
    private final FailureInjector failures = new FailureInjector();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private volatile HttpServer server;
    private volatile Handler<HttpServerRequest> requestHandler;
    private volatile int boundPort;

    StandInHttpServer(String serviceName, Path workDir) {
        this.serviceName = serviceName;
        FileSystemOptions fileSystem = new FileSystemOptions()
                .setClassPathResolvingEnabled(false)
                .setFileCachingEnabled(false)
                .setFileCacheDir(workDir.resolve("vertx-cache").toString());
        this.vertx = Vertx.vertx(new VertxOptions().setFileSystemOptions(fileSystem));
        this.router = Router.router(vertx);
    }

    Vertx vertx() {
        return vertx;
    }

    Router router() {
        return router;
    }

    FailureInjector failures() {
        return failures;
    }

    List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    void requireNotStarted() {
        if (server != null) {
            throw new IllegalStateException(serviceName + " stand-in is already started");
        }
    }

    /**
     * Starts listening. HTTP/2 is off because the services played here are reached over HTTP/1.1, and form
     * fields have no size limit because Chatwoot message content may be 150,000 characters long.
     */
    void start(Handler<HttpServerRequest> requestHandler) {
        requireNotStarted();
        this.requestHandler = requestHandler;
        listen(0);
        boundPort = server.actualPort();
        LOG.info("{} stand-in listening on {}", serviceName, baseUrl());
    }

    /** Closes the listening socket but keeps Vert.x, the routes and the state, so that it can listen again. */
    void stopListening() {
        HttpServer current = server;
        if (current == null) {
            throw new IllegalStateException(serviceName + " stand-in is not listening");
        }
        await(current.close(), "stop listening");
        server = null;
        LOG.info("{} stand-in stopped listening on port {}", serviceName, boundPort);
    }

    /** Listens again on the port of the first {@link #start}. */
    void resumeListening() {
        requireNotStarted();
        listen(boundPort);
        LOG.info("{} stand-in listening again on {}", serviceName, baseUrl());
    }

    private void listen(int port) {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(LOOPBACK_HOST)
                .setPort(port)
                .setHttp2ClearTextEnabled(false)
                .setMaxFormAttributeSize(-1)
                .setMaxFormBufferedBytes(-1);
        server = await(vertx.createHttpServer(options).requestHandler(requestHandler).listen(), "start");
    }

    int port() {
        if (requestHandler == null) {
            throw new IllegalStateException(serviceName + " stand-in is not started; call start() first");
        }
        return boundPort;
    }

    String baseUrl() {
        return "http://" + LOOPBACK_HOST + ":" + port();
    }

    /** Returns a handler that adds every request to the log just before the response headers go out. */
    Handler<RoutingContext> requestRecorder() {
        return ctx -> {
            ctx.addHeadersEndHandler(ignored -> requests.add(describe(ctx)));
            ctx.next();
        };
    }

    /**
     * Returns a handler that applies the scheduled delay and failure for the request, if any, and otherwise
     * passes the request on. {@code failureResponder} writes the response for an injected status.
     */
    Handler<RoutingContext> failureInjection(FailureResponder failureResponder) {
        return ctx -> {
            String method = ctx.request().method().name();
            String path = ctx.request().path();
            Duration delay = failures.takeDelay(method, path);
            if (delay.isZero()) {
                applyFailure(ctx, failureResponder);
                return;
            }
            LOG.info("{} stand-in delays {} {} by {} ms as the test scheduled", serviceName, method, path,
                    delay.toMillis());
            vertx.setTimer(Math.max(1, delay.toMillis()), timerId -> applyFailure(ctx, failureResponder));
        };
    }

    /**
     * Wraps a route handler so that a {@link StandInHttpException} becomes its response and any other runtime
     * error a logged 500 {@code {"error": ...}}.
     */
    Handler<RoutingContext> guarded(Handler<RoutingContext> handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (StandInHttpException e) {
                if (!ctx.response().ended()) {
                    StandInJson.send(ctx, e.status(), e.body());
                }
            } catch (RuntimeException e) {
                LOG.error("{} stand-in failed on {} {}", serviceName, ctx.request().method(), ctx.request().path(), e);
                if (!ctx.response().ended()) {
                    StandInJson.send(ctx, 500, Map.of("error", serviceName + " stand-in failure: " + e));
                }
            }
        };
    }

    @Override
    public void close() {
        try {
            HttpServer current = server;
            if (current != null) {
                await(current.close(), "stop");
            }
        } finally {
            await(vertx.close(), "close Vert.x");
            LOG.info("{} stand-in stopped", serviceName);
        }
    }

    private void applyFailure(RoutingContext ctx, FailureResponder failureResponder) {
        String method = ctx.request().method().name();
        String path = ctx.request().path();
        OptionalInt status = failures.takeFailure(method, path);
        if (status.isEmpty()) {
            ctx.next();
            return;
        }
        LOG.info("{} stand-in responds to {} {} with injected status {}", serviceName, method, path,
                status.getAsInt());
        failureResponder.respond(ctx, status.getAsInt());
    }

    private static RecordedRequest describe(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String rawUri = request.uri();
        int queryStart = rawUri.indexOf('?');
        String path = queryStart < 0 ? rawUri : rawUri.substring(0, queryStart);
        String query = queryStart < 0 ? null : rawUri.substring(queryStart + 1);
        return new RecordedRequest(request.method().name(), path, query, rawUri,
                request.getHeader(HttpHeaders.CONTENT_TYPE), ctx.response().getStatusCode());
    }

    private <T> T await(Future<T> future, String action) {
        try {
            return future.toCompletionStage().toCompletableFuture()
                    .get(LIFECYCLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the " + serviceName + " stand-in tried to " + action, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(serviceName + " stand-in failed to " + action, e);
        }
    }

    /** Writes the response for a status that a test injected with {@code failNext}. */
    @FunctionalInterface
    interface FailureResponder {
        void respond(RoutingContext ctx, int status);
    }
}
