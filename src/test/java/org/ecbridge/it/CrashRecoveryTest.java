package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import org.ecbridge.testsupport.BridgeProcess;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.GeneratedWebhook;
import org.ecbridge.testsupport.TestRedis;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a bridge process with {@code kill -9} in the middle of a 500 MiB file, restarts it on the same folders
 * and Redis, and checks that orphaned files are removed and Chatwoot gets the file exactly once, byte for byte.
 */
class CrashRecoveryTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final long FILE_BYTES = 500L << 20;
    private static final long KILL_AFTER_BYTES = 120L << 20;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final List<String> JVM = List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError");

    @TempDir
    Path tempDir;

    private TestRedis redis;
    private ChatwootStandIn chatwoot;
    private Map<String, String> properties;
    private BridgeProcess bridge;

    @BeforeEach
    void start() throws Exception {
        redis = new TestRedis();
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp").start();
        properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(), CHATWOOT_TOKEN);
        properties.putAll(redis.bridgeProperties(Duration.ofSeconds(2)));
        properties.put("bridge.webhook.max-body-bytes", Long.toString(800L << 20));
        properties.put("bridge.replica-id", "crash-test");
        // The 500 MiB file must go as a multipart upload, the transfer these tests interrupt.
        properties.put("bridge.chatwoot.max-attachment-bytes", Long.toString(1L << 30));
        bridge = BridgeProcess.start(JVM, properties, Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() throws Exception {
        bridge.close();
        chatwoot.close();
        redis.close();
    }

    @Test
    void killWhileReceivingThenRetryDeliversOnce() throws Exception {
        GeneratedWebhook webhook = new GeneratedWebhook("CRASH0RECEIVE", "projeto.zip", "application/zip",
                FILE_BYTES, 11);
        WebhookClient client = new WebhookClient(bridge.webhookUrl());
        CompletableFuture<HttpResponse<String>> interrupted = CompletableFuture.supplyAsync(() -> post(client,
                webhook));

        awaitBytes(() -> spoolBytes(), KILL_AFTER_BYTES, "spooled webhook body");
        bridge.kill();
        long orphanedBytes = spoolBytes();
        assertTrue(interrupted.handle((response, error) -> error != null || response.statusCode() != 200).get(),
                "the interrupted webhook was not answered 200");
        bridge = BridgeProcess.start(JVM, properties, Duration.ofSeconds(60));

        assertTrue(orphanedBytes >= KILL_AFTER_BYTES, "the killed process left " + orphanedBytes + " spooled bytes");
        assertEquals(0, spoolBytes(), "the restarted bridge removed the orphaned spool file");
        // EvolutionAPI retries the webhook that got no answer.
        HttpResponse<String> retried = post(new WebhookClient(bridge.webhookUrl()), webhook);
        assertEquals(200, retried.statusCode(), retried.body());
        assertDeliveredOnce(webhook);
    }

    @Test
    void killWhileUploadingThenRestartDeliversOnce() throws Exception {
        GeneratedWebhook webhook = new GeneratedWebhook("CRASH0UPLOAD", "video.mp4", "video/mp4", FILE_BYTES, 12);

        HttpResponse<String> accepted = post(new WebhookClient(bridge.webhookUrl()), webhook);
        assertEquals(200, accepted.statusCode(), accepted.body());
        awaitBytes(() -> sizeOf(tempDir.resolve("chatwoot/chatwoot-uploads")), KILL_AFTER_BYTES,
                "upload received by Chatwoot");
        bridge.kill();
        assertEquals(0, chatwoot.messages().size(), "killed before Chatwoot had the whole upload");
        bridge = BridgeProcess.start(JVM, properties, Duration.ofSeconds(60));

        assertDeliveredOnce(webhook);
    }

    @Test
    void killAfterChatwootStoredTheMessagePostsItOnce() throws Exception {
        GeneratedWebhook webhook = new GeneratedWebhook("CRASH0ANSWER", "nota.pdf", "application/pdf", 1L << 20, 13);
        chatwoot.holdResponseAfterStoring("/messages$", Duration.ofSeconds(60), 1);

        HttpResponse<String> accepted = post(new WebhookClient(bridge.webhookUrl()), webhook);
        assertEquals(200, accepted.statusCode(), accepted.body());
        chatwoot.awaitMessages(1, TIMEOUT);
        bridge.kill();
        bridge = BridgeProcess.start(JVM, properties, Duration.ofSeconds(60));

        assertDeliveredOnce(webhook);
        assertTrue(chatwoot.requests().stream().anyMatch(request -> request.method().equals("GET")
                && request.path().endsWith("/messages")), "the restarted bridge looked for the message first");
    }

    private void assertDeliveredOnce(GeneratedWebhook webhook) throws Exception {
        Path staging = tempDir.resolve("data/staging");
        awaitBytes(() -> chatwoot.messages().isEmpty() ? 0 : 1, 1, "Chatwoot messages");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (countFiles(staging) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(1000);

        List<ChatwootMessage> messages = chatwoot.messages();
        assertEquals(1, messages.size(), "exactly one Chatwoot message: " + messages);
        assertEquals(webhook.fileSha256(), messages.get(0).attachments().get(0).sha256(), "bytes of the file");
        assertEquals(0, countFiles(staging), "staging empty after delivery: " + listFiles(staging));
    }

    private static HttpResponse<String> post(WebhookClient client, GeneratedWebhook webhook) {
        try {
            return client.postStream(webhook::body, webhook.bodyBytes(), Duration.ofMinutes(3));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("webhook post failed: " + e, e);
        }
    }

    private long spoolBytes() {
        return sizeOf(tempDir.resolve("data/spool"));
    }

    private static void awaitBytes(LongSupplier bytes, long atLeast, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (bytes.getAsLong() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + bytes.getAsLong() + " bytes after " + TIMEOUT
                        + ", expected at least " + atLeast);
            }
            Thread.sleep(20);
        }
    }

    /** Counts regular files, except the spool folder's lock file. */
    static long countFiles(Path dir) throws IOException {
        return listFiles(dir).size();
    }

    static List<Path> listFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString()
                    .equals(".owner.lock")).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        }
    }

    static long sizeOf(Path dir) {
        try {
            long total = 0;
            for (Path file : listFiles(dir)) {
                try {
                    total += Files.size(file);
                } catch (IOException vanished) {
                    // Deleted while counted.
                }
            }
            return total;
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
