package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.ecbridge.state.RedisStateStore;
import com.fasterxml.jackson.databind.JsonNode;
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
 * Two bridge processes share one Redis and one staging folder. 50 senders post 4 messages each, EvolutionAPI
 * style: an answer other than 200 is retried on the other replica after Retry-After, and some webhooks are sent
 * to both replicas at once, as a retry after a timeout would be. One replica is killed and restarted in the middle.
 * Chatwoot must end up with every message exactly once, and one contact and conversation per chat.
 */
class TwoReplicaTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final int SENDERS = 50;
    private static final int MESSAGES_PER_SENDER = 4;
    private static final int MAX_ATTEMPTS = 40;
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final List<String> JVM = List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");

    @TempDir
    Path tempDir;

    private TestRedis redis;
    private ChatwootStandIn chatwoot;
    private final Map<String, String>[] replicaProperties = newPropertiesArray();
    private final BridgeProcess[] replicas = new BridgeProcess[2];
    private final AtomicReferenceArray<String> urls = new AtomicReferenceArray<>(2);
    private final AtomicInteger duplicatesSent = new AtomicInteger();
    private final AtomicInteger busyAnswers = new AtomicInteger();
    private final ExecutorService twins = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws Exception {
        redis = new TestRedis();
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp").start();
        for (int replica = 0; replica < 2; replica++) {
            Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("shared"), chatwoot.baseUrl(),
                    CHATWOOT_TOKEN);
            properties.putAll(redis.bridgeProperties(Duration.ofSeconds(2)));
            properties.put("bridge.spool-dir", tempDir.resolve("spool-" + replica).toString());
            properties.put("bridge.replica-id", "replica-" + replica);
            properties.put("bridge.webhook.retry-after-seconds", "1");
            replicaProperties[replica] = properties;
            startReplica(replica);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (BridgeProcess replica : replicas) {
            if (replica != null) {
                replica.close();
            }
        }
        twins.shutdownNow();
        chatwoot.close();
        redis.close();
    }

    @Test
    void everyMessageArrivesOnceAcrossReplicas() throws Exception {
        Map<String, String> mediaSha256 = new ConcurrentHashMap<>();
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        List<Future<?>> sent = new ArrayList<>();
        for (int sender = 0; sender < SENDERS; sender++) {
            int index = sender;
            sent.add(senders.submit(() -> {
                sendAll(index, mediaSha256);
                return null;
            }));
        }
        chatwoot.awaitMessages(SENDERS * MESSAGES_PER_SENDER / 3, TIMEOUT);
        replicas[1].kill();
        startReplica(1);
        for (Future<?> future : sent) {
            future.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        senders.shutdown();
        int expected = SENDERS * MESSAGES_PER_SENDER;
        chatwoot.awaitMessages(expected, TIMEOUT);
        awaitEmptyStaging();
        Thread.sleep(2000);

        List<ChatwootMessage> messages = chatwoot.messages();
        Map<String, Long> perSourceId = messages.stream().collect(Collectors.groupingBy(ChatwootMessage::sourceId,
                TreeMap::new, Collectors.counting()));
        assertTrue(duplicatesSent.get() > 0, "some webhooks reached both replicas");
        assertEquals(expected, perSourceId.size(), "distinct messages");
        assertEquals(expected, messages.size(), "messages sent more than once: " + perSourceId.entrySet().stream()
                .filter(entry -> entry.getValue() > 1).collect(Collectors.toList()));
        for (ChatwootMessage message : messages) {
            String sha256 = mediaSha256.get(message.sourceId());
            if (sha256 != null) {
                assertEquals(sha256, message.attachments().get(0).sha256(), "bytes of " + message.sourceId());
            }
        }
        assertEquals(SENDERS * MESSAGES_PER_SENDER / 2, mediaSha256.size());
        assertEquals(SENDERS, chatwoot.contacts().size(), "one contact per chat");
        assertEquals(SENDERS, chatwoot.conversations().size(), "one conversation per chat");
        assertEquals(0, CrashRecoveryTest.countFiles(tempDir.resolve("shared/staging/dead")), "no dead letters");
        assertRedisHoldsOnlySmallValuesWithTtl();
    }

    private void sendAll(int sender, Map<String, String> mediaSha256) throws Exception {
        String phone = String.format("55119%08d", 10_000 + sender);
        Random random = new Random(sender);
        for (int number = 0; number < MESSAGES_PER_SENDER; number++) {
            String messageId = String.format("REPLICA%02d%02d", sender, number);
            Supplier<InputStream> body;
            long length;
            if (number % 2 == 0) {
                byte[] text = RedisOutageTest.text(messageId, "mensagem " + number).replace("5511900000001", phone)
                        .getBytes(StandardCharsets.UTF_8);
                body = () -> new java.io.ByteArrayInputStream(text);
                length = text.length;
            } else {
                GeneratedWebhook media = new GeneratedWebhook(messageId, phone, "foto-" + number + ".bin",
                        "application/octet-stream", 16_384 + random.nextInt(240_000), sender * 100L + number);
                mediaSha256.put("WAID:" + messageId, media.fileSha256());
                body = media::body;
                length = media.bodyBytes();
            }
            deliver(sender + number, body, length, random.nextInt(10) < 3);
        }
    }

    /** Posts like EvolutionAPI until a replica answers 200, alternating replicas after each failure. */
    private void deliver(int firstReplica, Supplier<InputStream> body, long length, boolean alsoToOther)
            throws Exception {
        int replica = firstReplica % 2;
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Future<Integer> twin = null;
            if (alsoToOther && attempt == 0) {
                duplicatesSent.incrementAndGet();
                String otherUrl = urls.get(1 - replica);
                twin = twins.submit(() -> status(otherUrl, body,
                        length));
            }
            int status = status(urls.get(replica), body, length);
            int twinStatus = twin == null ? 0 : twin.get();
            if (status == 200 || twinStatus == 200) {
                return;
            }
            busyAnswers.incrementAndGet();
            Thread.sleep(1000);
            replica = 1 - replica;
        }
        throw new AssertionError("no replica accepted the webhook after " + MAX_ATTEMPTS + " attempts");
    }

    private static int status(String url, Supplier<InputStream> body, long length) {
        try {
            HttpResponse<String> response = new WebhookClient(url).postStream(body, length, Duration.ofSeconds(30));
            return response.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void awaitEmptyStaging() throws Exception {
        Path staging = tempDir.resolve("shared/staging");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        List<Path> left = CrashRecoveryTest.listFiles(staging);
        while (!left.stream().allMatch(file -> file.startsWith(staging.resolve("dead"))) && System.nanoTime()
                < deadline) {
            Thread.sleep(200);
            left = CrashRecoveryTest.listFiles(staging);
        }
        assertTrue(left.isEmpty(), "staging not empty: " + describe(left));
    }

    private List<Path> logFiles() throws IOException {
        try (var logs = Files.list(tempDir)) {
            return logs.filter(path -> path.getFileName().toString().matches("bridge-\\d+\\.log")).sorted().toList();
        }
    }

    /** Lists the files with the reason and message id of each dead letter, and each replica's warnings. */
    private String describe(List<Path> files) throws Exception {
        StringBuilder description = new StringBuilder(files.toString());
        for (Path file : files) {
            if (file.startsWith(tempDir.resolve("shared/staging/dead")) && file.toString().endsWith(".json")) {
                JsonNode deadLetter = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
                description.append("\n").append(file.getFileName()).append(": message ")
                        .append(deadLetter.path("messageId").asText()).append(", reason ")
                        .append(deadLetter.path("reason").asText());
            }
        }
        for (Path file : files) {
            String itemId = file.getFileName().toString().split("\\.")[0];
            for (Path log : logFiles()) {
                Files.readAllLines(log).stream().filter(line -> line.contains(itemId)).limit(40)
                        .forEach(line -> description.append("\n").append(log.getFileName()).append(": ").append(line));
            }
        }
        return description.toString();
    }

    private void assertRedisHoldsOnlySmallValuesWithTtl() {
        Map<String, String> entries = redis.entries();
        assertTrue(entries.keySet().stream().anyMatch(key -> key.startsWith("accepted:")), entries.keySet().toString());
        Set<String> families = entries.keySet().stream().map(key -> key.substring(0, key.indexOf(':')))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        assertEquals(Set.of("accepted", "chatwoot-message", "contact", "conversation", "message",
                "message-conversation"), families,
                "after delivery only these remain; locks and claims are released");
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            assertTrue(entry.getValue().length() <= RedisStateStore.MAX_VALUE_CHARS, entry.getKey());
            assertTrue(redis.ttlMillis(entry.getKey()) > 0, entry.getKey() + " has no TTL");
        }
    }

    private void startReplica(int replica) throws Exception {
        replicas[replica] = BridgeProcess.start(JVM, replicaProperties[replica], Duration.ofSeconds(60));
        urls.set(replica, replicas[replica].webhookUrl());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String>[] newPropertiesArray() {
        return new Map[2];
    }
}
