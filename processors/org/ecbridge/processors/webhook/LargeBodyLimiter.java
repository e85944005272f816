package org.ecbridge.processors.webhook;

import java.util.concurrent.Semaphore;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Limits how many large webhook bodies are received at once. A body counts as large when its Content-Length is
 * at least the threshold, or when it has none (chunked). Past the limit a webhook gets 503 with Retry-After
 * before its body is read, so a burst of media waits in EvolutionAPI instead of filling the disk and the
 * event loop. Small webhooks, such as text messages, are never held back.
 */
public final class LargeBodyLimiter implements Processor {

    private final Semaphore permits;
    private final int maxConcurrentBodies;
    private final long largeBodyBytes;

    public LargeBodyLimiter(int maxConcurrentBodies, long largeBodyBytes) {
        if (maxConcurrentBodies < 1) {
            throw new IllegalArgumentException("bridge.webhook.max-concurrent-large-bodies must be at least 1, but is "
                    + maxConcurrentBodies);
        }
        this.permits = new Semaphore(maxConcurrentBodies);
        this.maxConcurrentBodies = maxConcurrentBodies;
        this.largeBodyBytes = largeBodyBytes;
    }

    @Override
    public void process(Exchange exchange) {
        Long announcedBytes = exchange.getIn().getHeader("Content-Length", Long.class);
        if (announcedBytes != null && announcedBytes < largeBodyBytes) {
            return;
        }
        if (!permits.tryAcquire()) {
            throw WebhookRejectedException.busy(maxConcurrentBodies + " large webhook bodies are being received, "
                    + "the maximum set by bridge.webhook.max-concurrent-large-bodies; this one ("
                    + (announcedBytes == null ? "no Content-Length" : announcedBytes + " bytes") + ") must wait");
        }
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange completed) {
                permits.release();
            }
        });
    }

    /** Returns how many large bodies are being received now. */
    public int receiving() {
        return maxConcurrentBodies - permits.availablePermits();
    }
}
