package org.ecbridge.processors.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.vertx.core.buffer.Buffer;

/**
 * Bounded pipe from the Vert.x event loop, which offers the chunks of a request body as they arrive, to the
 * worker thread that reads them as an {@link InputStream}.
 *
 * <p>The pipe keeps references to the offered buffers, not copies, and holds at most about {@code capacityBytes}:
 * {@link #offer} returns true once that much is queued, the producer then pauses the request, and the pipe runs
 * the resume action once the reader has drained it to half. A read waits at most {@code idleTimeoutMillis} for
 * the next chunk and then fails with a 503 {@link WebhookRejectedException}. A failure passed to {@link #fail} is
 * thrown by the next read, before any bytes still queued.
 */
public final class WebhookBodyPipe extends InputStream {

    private final int capacityBytes;
    private final long idleTimeoutMillis;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Buffer> chunks = new ArrayDeque<>();
    private Buffer current;
    private int currentPosition;
    private long queuedBytes;
    private long lastChunkNanos = System.nanoTime();
    private boolean producerPaused;
    private boolean ended;
    private boolean endSeen;
    private boolean closed;
    private Throwable failure;
    private Runnable resumeAction = () -> { };
    private Runnable endAction = () -> { };

    public WebhookBodyPipe(int capacityBytes, long idleTimeoutMillis) {
        this.capacityBytes = capacityBytes;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    /** Sets what restarts a paused producer; it runs on the reader's thread, outside the pipe's lock. */
    public void onResume(Runnable action) {
        this.resumeAction = action;
    }

    /** Sets what runs on the reader's thread when it first reaches the end of the body. */
    public void onEnd(Runnable action) {
        this.endAction = action;
    }

    /** Returns true while the pipe takes chunks: it has not been ended, failed or closed. */
    public boolean isOpen() {
        lock.lock();
        try {
            return !ended && !closed && failure == null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues a chunk for the reader. Returns true when the producer must pause: the pipe is full, or it no longer
     * takes chunks, in which case the chunk is dropped.
     */
    public boolean offer(Buffer chunk) {
        lock.lock();
        try {
            if (ended || closed || failure != null) {
                return true;
            }
            lastChunkNanos = System.nanoTime();
            if (chunk.length() > 0) {
                chunks.addLast(chunk);
                queuedBytes += chunk.length();
                changed.signalAll();
            }
            producerPaused = queuedBytes >= capacityBytes;
            return producerPaused;
        } finally {
            lock.unlock();
        }
    }

    /** Marks the end of the body: reads return the queued bytes, then -1. */
    public void end() {
        lock.lock();
        try {
            ended = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Makes the next read throw {@code cause}, unless the pipe was closed or failed before. */
    public void fail(Throwable cause) {
        lock.lock();
        try {
            if (failure == null && !closed) {
                failure = cause;
                releaseChunks();
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] single = new byte[1];
        int count = read(single, 0, 1);
        return count < 0 ? -1 : single[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        boolean resume = false;
        boolean firstEnd = false;
        int count;
        lock.lock();
        try {
            awaitChunk();
            if (current == null) {
                firstEnd = !endSeen;
                endSeen = true;
                count = -1;
            } else {
                count = Math.min(length, current.length() - currentPosition);
                current.getBytes(currentPosition, currentPosition + count, target, offset);
                currentPosition += count;
                queuedBytes -= count;
                if (currentPosition == current.length()) {
                    current = null;
                }
                if (producerPaused && queuedBytes <= capacityBytes / 2) {
                    producerPaused = false;
                    resume = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (resume) {
            resumeAction.run();
        }
        if (firstEnd) {
            endAction.run();
        }
        return count;
    }

    /** Waits until a chunk is current or the body has ended; throws the failure, a timeout or a closed pipe. */
    private void awaitChunk() throws IOException {
        long waitStartNanos = System.nanoTime();
        while (true) {
            if (failure != null) {
                throw rethrowable(failure);
            }
            if (closed) {
                throw new IOException("webhook body pipe is closed");
            }
            if (current == null) {
                current = chunks.pollFirst();
                currentPosition = 0;
            }
            if (current != null || ended) {
                return;
            }
            long idleSinceNanos = Math.max(lastChunkNanos, waitStartNanos);
            long remainingNanos = idleSinceNanos + TimeUnit.MILLISECONDS.toNanos(idleTimeoutMillis) - System.nanoTime();
            if (remainingNanos <= 0) {
                long idleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSinceNanos);
                throw WebhookRejectedException.busy("webhook body stalled: no bytes for " + idleMillis
                        + " ms (bridge.webhook.body-idle-timeout-millis)");
            }
            try {
                changed.awaitNanos(remainingNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the webhook body", e);
            }
        }
    }

    /** Releases the queued chunks, so later offers are dropped and later reads fail. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            releaseChunks();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Returns true when the reader reached the end of the body before the pipe was closed or failed. */
    public boolean endReached() {
        lock.lock();
        try {
            return endSeen;
        } finally {
            lock.unlock();
        }
    }

    private void releaseChunks() {
        chunks.clear();
        current = null;
        queuedBytes = 0;
    }

    private static IOException rethrowable(Throwable failure) {
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof IOException io) {
            return io;
        }
        return new IOException(failure.getMessage(), failure);
    }
}
