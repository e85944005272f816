package org.ecbridge.processors.webhook;

import java.io.IOException;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.converter.stream.CachedOutputStream;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts reading a webhook body from the paused Vert.x request and returns at once, with a
 * {@link WebhookBodyPipe} in the exchange property {@link BridgeHeaders#BODY_PIPE}, so the next step parses the
 * body while it arrives. On the event
 * loop, each chunk is written to Camel's stream cache, which spools it to the spool folder past the threshold,
 * and the same buffer is queued in the pipe. A body that grows past the limit fails the pipe with 422.
 *
 * <p>Once the reader reaches the end of the body, the whole spooled body is in the exchange property
 * {@link BridgeHeaders#SPOOLED_BODY}. When the reader stops before the end, the pipe is closed, the request stays
 * paused so the rest of the body is not read, and {@link WebhookResponder#rejected} closes the connection after
 * the error response. The platform-http endpoint must run with {@code useBodyHandler=false}.
 */
public final class WebhookBodyStreamer implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookBodyStreamer.class);

    private final long maxBodyBytes;
    private final long idleTimeoutMillis;
    private final int pipeCapacityBytes;

    /**
     * @param pipeCapacityBytes how many bytes of the body may wait in memory for the parser; the request is
     *                          paused while the pipe is full
     */
    public WebhookBodyStreamer(long maxBodyBytes, long idleTimeoutMillis, int pipeCapacityBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.pipeCapacityBytes = pipeCapacityBytes;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        HttpServerRequest request = exchange.getIn().getBody(HttpServerRequest.class);
        if (request == null) {
            throw new IllegalStateException("webhook body is not a Vert.x request; the platform-http endpoint "
                    + "must use useBodyHandler=false");
        }
        exchange.setProperty(BridgeHeaders.HTTP_REQUEST, request);
        Spool spool = new Spool(new CachedOutputStream(exchange));
        WebhookBodyPipe pipe = new WebhookBodyPipe(pipeCapacityBytes, idleTimeoutMillis);
        ChunkHandler handler = new ChunkHandler(request, spool, pipe);
        pipe.onResume(handler::resumeOnEventLoop);
        pipe.onEnd(() -> exchange.setProperty(BridgeHeaders.SPOOLED_BODY, spool.streamCache()));
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                pipe.close();
                spool.discard();
            }
        });
        request.handler(handler::chunk);
        request.exceptionHandler(pipe::fail);
        request.endHandler(ignored -> handler.end());
        exchange.setProperty(BridgeHeaders.BODY_PIPE, pipe);
        request.resume();
    }

    /** Receives the request's chunks on the event loop. */
    private final class ChunkHandler {
        private final HttpServerRequest request;
        private final Spool spool;
        private final WebhookBodyPipe pipe;
        private long receivedBytes;
        private volatile Context eventLoop;

        private ChunkHandler(HttpServerRequest request, Spool spool, WebhookBodyPipe pipe) {
            this.request = request;
            this.spool = spool;
            this.pipe = pipe;
        }

        private void chunk(Buffer chunk) {
            if (!pipe.isOpen()) {
                request.pause();
                return;
            }
            receivedBytes += chunk.length();
            if (receivedBytes > maxBodyBytes) {
                request.pause();
                pipe.fail(WebhookBodySpooler.tooLarge(receivedBytes, maxBodyBytes, "bridge.webhook.max-body-bytes",
                        WebhookBodySpooler.EVOLUTION_ADVICE));
                return;
            }
            try {
                spool.write(chunk);
            } catch (IOException e) {
                request.pause();
                pipe.fail(e);
                return;
            }
            // The pipe's resume action runs on this event loop, so it cannot overtake this pause.
            eventLoop = Vertx.currentContext();
            if (pipe.offer(chunk)) {
                request.pause();
            }
        }

        private void end() {
            try {
                spool.finish();
                pipe.end();
            } catch (IOException e) {
                pipe.fail(e);
            }
        }

        private void resumeOnEventLoop() {
            eventLoop.runOnContext(ignored -> {
                if (pipe.isOpen()) {
                    request.resume();
                }
            });
        }
    }

    /** The stream-cache copy of the body, shared by the event loop that writes it and the worker that ends it. */
    private static final class Spool {
        private final CachedOutputStream out;
        private boolean closed;

        private Spool(CachedOutputStream out) {
            this.out = out;
        }

        /** Appends the chunk without copying it when Netty keeps it in a heap array, as Vert.x 4.5 does. */
        // NOTE: Buffer.getByteBuf is deprecated in Vert.x 4.5 and gone in Vert.x 5, where BufferInternal has it.
        @SuppressWarnings("deprecation")
        private synchronized void write(Buffer chunk) throws IOException {
            if (!closed) {
                chunk.getByteBuf().getBytes(0, out, chunk.length());
            }
        }

        private synchronized void finish() throws IOException {
            closed = true;
            out.close();
        }

        private synchronized Object streamCache() {
            try {
                return out.newStreamCache();
            } catch (IOException e) {
                throw new IllegalStateException("spooled webhook body cannot be reopened: " + e.getMessage(), e);
            }
        }

        /** Closes the spool of a body that did not end; Camel deletes its file when the exchange is done. */
        private synchronized void discard() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                out.close();
            } catch (IOException e) {
                LOG.debug("Closing the spool of an unfinished webhook body failed: {}", e.toString());
            }
        }
    }
}
