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
 * with 422, and the connection is closed once that response is written. A body that stops arriving, or that
 * arrives slower than the minimum rate after a grace period, gets 503, so a slow sender occupies one of Vert.x's
 * worker threads for seconds rather than for as long as it keeps sending.
 *
 * <p>The platform-http endpoint runs with {@code useBodyHandler=false}, so nothing has read the body before
 * this processor and the credentials were checked first.
 */
public final class WebhookBodySpooler implements Processor {

    private static final long IDLE_CHECK_MILLIS = 1000;
    /** Time a body may take before the minimum rate applies, for connection set-up and a slow start. */
    static final long RATE_GRACE_MILLIS = 5000;

    private final long maxBodyBytes;
    private final long idleTimeoutMillis;
    private volatile long minBytesPerSecond;
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

    /** Sets the average rate, in bytes per second, below which a body is cut off after the grace period; 0: none. */
    public WebhookBodySpooler minBytesPerSecond(long minBytesPerSecond) {
        this.minBytesPerSecond = minBytesPerSecond;
        return this;
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
            awaitBody(done, lastActivityMillis, receivedBytes);
        } catch (RuntimeException | IOException e) {
            spool.close();
            closeConnectionAfterResponse(request);
            throw e;
        }
        spool.close();
        exchange.getIn().setBody(spool.newStreamCache());
    }

    private void awaitBody(CompletableFuture<Long> done, AtomicLong lastActivityMillis, AtomicLong receivedBytes)
            throws Exception {
        long startMillis = System.currentTimeMillis();
        while (true) {
            try {
                done.get(IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                long nowMillis = System.currentTimeMillis();
                long idleMillis = nowMillis - lastActivityMillis.get();
                if (idleMillis > idleTimeoutMillis) {
                    throw WebhookRejectedException.busy("webhook body stalled: no bytes for " + idleMillis
                            + " ms (bridge.webhook.body-idle-timeout-millis)");
                }
                requireMinimumRate(nowMillis - startMillis, receivedBytes.get());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    private void requireMinimumRate(long elapsedMillis, long receivedBytes) {
        long rated = elapsedMillis - RATE_GRACE_MILLIS;
        if (minBytesPerSecond <= 0 || rated <= 0 || receivedBytes >= minBytesPerSecond * rated / 1000) {
            return;
        }
        throw WebhookRejectedException.busy("webhook body arrives too slowly: " + receivedBytes + " bytes in "
                + elapsedMillis + " ms, under bridge.webhook.min-body-bytes-per-second (" + minBytesPerSecond
                + ") after a " + RATE_GRACE_MILLIS + " ms grace period");
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
