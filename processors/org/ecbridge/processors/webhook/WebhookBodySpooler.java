package org.ecbridge.processors.webhook;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.converter.stream.CachedOutputStream;

/**
 * Reads a webhook body from the paused Vert.x request into Camel's stream cache, which spools it to the spool
 * folder past the threshold, counting bytes as they arrive. A body that grows past the limit is cut off there
 * with 422, and the connection is closed once that response is written.
 *
 * <p>The platform-http endpoint runs with {@code useBodyHandler=false}, so nothing has read the body before
 * this processor and the credentials were checked first.
 */
public final class WebhookBodySpooler implements Processor {

    private static final long IDLE_CHECK_MILLIS = 1000;

    private final long maxBodyBytes;
    private final long idleTimeoutMillis;
    private final String limitSetting;
    private final String advice;

    public WebhookBodySpooler(long maxBodyBytes, long idleTimeoutMillis) {
        this(maxBodyBytes, idleTimeoutMillis, "bridge.webhook.max-body-bytes", "raise it, or turn webhook base64 off "
                + "in EvolutionAPI so the bridge fetches large media itself");
    }

    /**
     * @param limitSetting the setting that holds {@code maxBodyBytes}, named in the error
     * @param advice       what to do about a body over the limit, appended to the error
     */
    public WebhookBodySpooler(long maxBodyBytes, long idleTimeoutMillis, String limitSetting, String advice) {
        this.maxBodyBytes = maxBodyBytes;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.limitSetting = limitSetting;
        this.advice = advice;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        HttpServerRequest request = exchange.getIn().getBody(HttpServerRequest.class);
        if (request == null) {
            throw new IllegalStateException("webhook body is not a Vert.x request; the platform-http endpoint "
                    + "must use useBodyHandler=false");
        }
        exchange.setProperty(BridgeHeaders.HTTP_REQUEST, request);
        CachedOutputStream spool = new CachedOutputStream(exchange);
        CompletableFuture<Long> done = new CompletableFuture<>();
        AtomicLong receivedBytes = new AtomicLong();
        AtomicLong lastActivityMillis = new AtomicLong(System.currentTimeMillis());

        request.handler(buffer -> {
            if (done.isDone()) {
                return;
            }
            lastActivityMillis.set(System.currentTimeMillis());
            long total = receivedBytes.addAndGet(buffer.length());
            if (total > maxBodyBytes) {
                request.pause();
                done.completeExceptionally(tooLarge(total));
                return;
            }
            try {
                spool.write(buffer.getBytes());
            } catch (IOException e) {
                request.pause();
                done.completeExceptionally(e);
            }
        });
        request.exceptionHandler(done::completeExceptionally);
        request.endHandler(ignored -> done.complete(receivedBytes.get()));
        request.resume();

        try {
            awaitBody(done, lastActivityMillis);
        } catch (RuntimeException | IOException e) {
            spool.close();
            closeConnectionAfterResponse(request);
            throw e;
        }
        spool.close();
        exchange.getIn().setBody(spool.newStreamCache());
    }

    private void awaitBody(CompletableFuture<Long> done, AtomicLong lastActivityMillis) throws Exception {
        while (true) {
            try {
                done.get(IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                long idleMillis = System.currentTimeMillis() - lastActivityMillis.get();
                if (idleMillis > idleTimeoutMillis) {
                    throw WebhookRejectedException.busy("webhook body stalled: no bytes for " + idleMillis
                            + " ms (bridge.webhook.body-idle-timeout-millis)");
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    private WebhookRejectedException tooLarge(long receivedBytes) {
        return WebhookRejectedException.invalid("body-too-large", "webhook body passed " + receivedBytes
                + " bytes, over " + limitSetting + " (" + maxBodyBytes + "); " + advice);
    }

    /** Closes the connection once the error response is written, so the unread rest of the body is dropped. */
    public static void closeConnectionAfterResponse(HttpServerRequest request) {
        request.response().putHeader("Connection", "close");
        request.response().endHandler(ignored -> request.connection().close());
    }
}
