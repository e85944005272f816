package org.ecbridge.processors.webhook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class WebhookBodyPipeTest {

    @Test
    void readsChunksInOrderThenEnd() throws IOException {
        WebhookBodyPipe pipe = new WebhookBodyPipe(1024, 1000);
        AtomicInteger ends = new AtomicInteger();
        pipe.onEnd(ends::incrementAndGet);

        pipe.offer(Buffer.buffer("{\"a\":"));
        pipe.offer(Buffer.buffer(""));
        pipe.offer(Buffer.buffer("1}"));
        pipe.end();

        assertEquals("{\"a\":1}", new String(pipe.readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(-1, pipe.read());
        assertEquals(1, ends.get(), "end action runs once");
        assertTrue(pipe.endReached());
    }

    @Test
    void fullPipePausesUntilHalfDrained() throws IOException {
        WebhookBodyPipe pipe = new WebhookBodyPipe(8, 1000);
        AtomicInteger resumes = new AtomicInteger();
        pipe.onResume(resumes::incrementAndGet);

        assertFalse(pipe.offer(Buffer.buffer("1234")), "half full");
        assertTrue(pipe.offer(Buffer.buffer("5678")), "full");
        byte[] target = new byte[3];
        assertEquals(3, pipe.read(target, 0, 3));
        assertEquals(0, resumes.get(), "5 bytes still queued");
        assertEquals(1, pipe.read(target, 0, 3));
        assertEquals(1, resumes.get(), "4 bytes queued, half the capacity");
        assertEquals(3, pipe.read(target, 0, 3));
        assertEquals(1, resumes.get(), "resumed only once per pause");
    }

    @Test
    void readWaitsForChunkFromOtherThread() throws Exception {
        WebhookBodyPipe pipe = new WebhookBodyPipe(1024, 5000);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        pipe.offer(Buffer.buffer("late"));
        pipe.end();

        assertArrayEquals("late".getBytes(StandardCharsets.US_ASCII), read.get(5, TimeUnit.SECONDS));
    }

    @Test
    void failureIsThrownBeforeQueuedBytes() {
        WebhookBodyPipe pipe = new WebhookBodyPipe(1024, 1000);
        WebhookRejectedException tooLarge = WebhookRejectedException.invalid("body-too-large", "over the limit");
        pipe.offer(Buffer.buffer("queued"));

        pipe.fail(tooLarge);

        assertSame(tooLarge, assertThrows(WebhookRejectedException.class, () -> pipe.read(new byte[8], 0, 8)));
        assertTrue(pipe.offer(Buffer.buffer("more")), "a failed pipe asks the producer to pause");
        assertFalse(pipe.isOpen());
    }

    @Test
    void ioFailureIsThrownAsIs() {
        WebhookBodyPipe pipe = new WebhookBodyPipe(1024, 1000);
        IOException reset = new IOException("connection reset");

        pipe.fail(reset);

        assertSame(reset, assertThrows(IOException.class, pipe::read));
    }

    @Test
    void stalledBodyTimesOutWith503() {
        WebhookBodyPipe pipe = new WebhookBodyPipe(1024, 200);
        pipe.offer(Buffer.buffer("x"));
        long startNanos = System.nanoTime();

        WebhookRejectedException stalled = assertThrows(WebhookRejectedException.class,
                () -> pipe.readAllBytes());

        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        assertEquals(503, stalled.status());
        assertTrue(stalled.getMessage().contains("bridge.webhook.body-idle-timeout-millis"), stalled.getMessage());
        assertTrue(waitedMillis >= 150, "waited " + waitedMillis + " ms");
    }

    @Test
    void closedPipeDropsChunksAndFailsReads() {
        WebhookBodyPipe pipe = new WebhookBodyPipe(1024, 1000);
        pipe.offer(Buffer.buffer("queued"));

        pipe.close();

        assertTrue(pipe.offer(Buffer.buffer("late")), "a closed pipe asks the producer to pause");
        assertThrows(IOException.class, pipe::read);
        assertFalse(pipe.endReached());
    }
}
