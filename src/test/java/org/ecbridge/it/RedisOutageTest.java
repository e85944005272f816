package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.PrivateRedisServer;
import org.ecbridge.testsupport.TestRedis;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Redis of the test's own is stopped while one message is being posted and another waits, then started again
 * empty: webhooks get 503 in between, readiness is DOWN with the cause, and every message accepted before the
 * outage reaches Chatwoot once.
 */
class RedisOutageTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tempDir;

    private PrivateRedisServer redisServer;
    private ChatwootStandIn chatwoot;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws Exception {
        redisServer = new PrivateRedisServer(tempDir).start();
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp").start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        try (TestRedis names = new TestRedis(redisServer.url())) {
            properties.putAll(names.bridgeProperties(Duration.ofMillis(1500)));
        }
        properties.put("bridge.webhook.retry-after-seconds", "1");
        properties.put("bridge.delivery.state-store-retry-max-delay-millis", "500");
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    @AfterEach
    void stop() throws Exception {
        bridge.close();
        chatwoot.close();
        redisServer.close();
    }

    @Test
    void outageDelaysButLosesAndDuplicatesNothing() throws Exception {
        assertEquals(200, webhooks.post(text("OUTAGE00A", "before the outage")).statusCode());
        chatwoot.awaitMessages(1, TIMEOUT);
        // Chatwoot stores B at once but answers only after Redis is gone, so the bookkeeping after it fails.
        chatwoot.holdResponseAfterStoring("/messages$", Duration.ofSeconds(3), 1);
        assertEquals(200, webhooks.post(text("OUTAGE00B", "answered during the outage")).statusCode());
        assertEquals(200, webhooks.post(text("OUTAGE00E", "waits behind B")).statusCode());
        chatwoot.awaitMessages(2, TIMEOUT);

        redisServer.stop();
        HttpResponse<String> down = awaitReadiness(response -> response.statusCode() == 503);
        HttpResponse<String> rejected = webhooks.post(text("OUTAGE00C", "sent during the outage"));
        Thread.sleep(4000);

        assertTrue(down.body().contains("redis"), down.body());
        assertTrue(down.body().contains("DOWN"), down.body());
        assertEquals(503, rejected.statusCode(), rejected.body());
        assertEquals("1", rejected.headers().firstValue("Retry-After").orElse(null));
        assertTrue(rejected.body().contains("state-store-unavailable"), rejected.body());
        assertEquals(2, chatwoot.messages().size(), "E waits while Redis is down: " + sourceIds());
        assertEquals(0, countFiles(bridge.dataDir().resolve("staging/dead")), "nothing dead-lettered");

        redisServer.start();
        awaitReadiness(response -> response.statusCode() == 200);
        HttpResponse<String> retried = webhooks.post(text("OUTAGE00C", "sent during the outage"));
        chatwoot.awaitMessages(4, TIMEOUT);
        Thread.sleep(1500);

        assertEquals(200, retried.statusCode(), retried.body());
        assertEquals(List.of("WAID:OUTAGE00A", "WAID:OUTAGE00B", "WAID:OUTAGE00C", "WAID:OUTAGE00E"), sourceIds(),
                "each message exactly once");
        assertEquals(0, countFiles(bridge.dataDir().resolve("staging/dead")), "nothing dead-lettered");
        assertTrue(chatwoot.requests().stream().anyMatch(request -> request.method().equals("GET")
                && request.path().endsWith("/messages")), "B's second attempt looked for it before posting");
    }

    private List<String> sourceIds() {
        return chatwoot.messages().stream().map(ChatwootMessage::sourceId).sorted().collect(Collectors.toList());
    }

    private HttpResponse<String> awaitReadiness(Predicate<HttpResponse<String>> wanted) throws Exception {
        URI ready = URI.create("http://127.0.0.1:" + bridge.managementPort() + "/observe/health/ready");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (wanted.test(last)) {
                    return last;
                }
            } catch (IOException notAnswering) {
                // The management server is still starting.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("readiness never reached the expected state; last answer: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
    }

    static String text(String messageId, String text) {
        return "{\"event\":\"messages.upsert\",\"instance\":\"atendimento-exemplo\",\"data\":{\"key\":{"
                + "\"remoteJid\":\"5511900000001@s.whatsapp.net\",\"fromMe\":false,\"id\":\"" + messageId + "\"},"
                + "\"pushName\":\"Cliente Exemplo\",\"message\":{\"conversation\":\"" + text + "\"},"
                + "\"messageType\":\"conversation\",\"messageTimestamp\":1736950000}}";
    }

    static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }
}
