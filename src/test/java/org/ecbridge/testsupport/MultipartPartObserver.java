package org.ecbridge.testsupport;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.http.impl.HttpServerRequestWrapper;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Feeds the body of each multipart request through a {@link MultipartPartScanner} on its way to the router, so
 * that a handler can read the raw part headers while Vert.x's {@code BodyHandler} still streams file parts to
 * disk.
 *
 * <p>NOTE: this extends vertx-core's internal {@code HttpServerRequestWrapper} (Vert.x 4.5), so a Vert.x upgrade
 * may break it at compile time.
 */
final class MultipartPartObserver {

    private static final String SCANNER_KEY = MultipartPartObserver.class.getName() + ".scanner";
    /**
     * The scanner of the request being dispatched. The first route handler reads it, which works because
     * Vert.x Web runs that handler synchronously inside {@code Router.handle}.
     */
    private static final ThreadLocal<MultipartPartScanner> DISPATCHING = new ThreadLocal<>();

    private MultipartPartObserver() {
    }

    /** Returns a server request handler that passes every request to {@code router}. */
    static Handler<HttpServerRequest> dispatchTo(Router router) {
        return request -> {
            MultipartPartScanner scanner =
                    MultipartPartScanner.forContentType(request.getHeader(HttpHeaders.CONTENT_TYPE));
            if (scanner == null) {
                router.handle(request);
                return;
            }
            DISPATCHING.set(scanner);
            try {
                router.handle(new ObservedRequest(request, scanner));
            } finally {
                DISPATCHING.remove();
            }
        };
    }

    /** Returns the route handler, to be installed first, that attaches the request's scanner to its context. */
    static Handler<RoutingContext> scannerAttacher() {
        return ctx -> {
            MultipartPartScanner scanner = DISPATCHING.get();
            if (scanner != null) {
                ctx.put(SCANNER_KEY, scanner);
            }
            ctx.next();
        };
    }

    /** Returns the scanner of a multipart request, or null for any other request. */
    static MultipartPartScanner scanner(RoutingContext ctx) {
        return ctx.get(SCANNER_KEY);
    }

    private static final class ObservedRequest extends HttpServerRequestWrapper {

        private final MultipartPartScanner scanner;

        ObservedRequest(HttpServerRequest request, MultipartPartScanner scanner) {
            super((HttpServerRequestInternal) request);
            this.scanner = scanner;
        }

        @Override
        public HttpServerRequest handler(Handler<Buffer> handler) {
            if (handler == null) {
                delegate.handler(null);
                return this;
            }
            delegate.handler(chunk -> {
                scanner.feed(chunk);
                handler.handle(chunk);
            });
            return this;
        }
    }
}
