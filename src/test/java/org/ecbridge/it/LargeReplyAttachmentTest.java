package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.testsupport.BridgeProcess;
import org.ecbridge.testsupport.ChatwootConversation;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.ChatwootWebhookClient;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.Sha256;
import org.ecbridge.testsupport.StorageStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends a 300 MiB agent attachment whose storage link expires too soon through a bridge in its own JVM with a
 * 96 MiB heap. The bridge must copy the file into its media store and hand EvolutionAPI its own link, streaming
 * the file from disk at every step. A heap that had to hold the file would end the bridge with OutOfMemoryError.
 */
class LargeReplyAttachmentTest {

    private static final long FILE_BYTES = 300L << 20;
    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final String INSTANCE = "atendimento-exemplo";
    private static final String HOOK_TOKEN = "chatwoot-hook-token";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tempDir;

    @Test
    void largeAttachmentIsCopiedWithFlatHeap() throws Exception {
        Path file = randomFile(tempDir.resolve("backup.zip"), FILE_BYTES);
        String sha256 = Sha256.ofFile(file);
        try (ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")),
                CHATWOOT_TOKEN).addInbox(7, "WhatsApp").start();
                EvolutionStandIn evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evo")),
                        EVOLUTION_KEY).addInstance(INSTANCE).start();
                StorageStandIn storage = new StorageStandIn(Files.createDirectories(tempDir.resolve("storage")))
                        .start()) {
            storage.putPresigned("big", file, "application/zip", Duration.ofSeconds(60));
            ChatwootConversation conversation = chatwoot.seedConversation(1, 7, "Cliente Exemplo",
                    "+5511900000001", "5511900000001@s.whatsapp.net");
            Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                    CHATWOOT_TOKEN);
            properties.put("camel.main.routesIncludePattern", "classpath:routes/*.yaml");
            properties.put("bridge.evolution.url", evolution.baseUrl());
            properties.put("bridge.evolution.api-key", EVOLUTION_KEY);
            properties.put("bridge.reply.default-instance", INSTANCE);
            properties.put("bridge.chatwoot.webhook-token", HOOK_TOKEN);
            properties.put("bridge.reply.poll-delay-millis", "50");
            properties.put("bridge.reply.max-document-bytes", Long.toString(512L << 20));

            try (BridgeProcess bridge = BridgeProcess.start(List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"),
                    properties, Duration.ofSeconds(60))) {
                ChatwootWebhookClient hooks = new ChatwootWebhookClient(bridge.baseUrl() + "/webhook/chatwoot");
                var response = hooks.post("/token/" + HOOK_TOKEN, reply(conversation.displayId(),
                        storage.dataUrl("big", "backup.zip")).toString());
                EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, Duration.ofMinutes(3)).get(0);
                String link = sent.body().path("media").asText();
                String tailSha256 = rangeSha256(link, "bytes=" + (FILE_BYTES - (1 << 20)) + "-");
                long peakResidentBytes = bridge.peakResidentBytes();
                String log = bridge.log();
                System.out.printf("Bridge with -Xmx96m sent a %d-byte attachment; peak RSS %d bytes%n", FILE_BYTES,
                        peakResidentBytes);

                assertEquals(200, response.statusCode(), response.body());
                assertTrue(bridge.isAlive(), "the bridge survived the transfer:\n" + log);
                assertFalse(log.contains("OutOfMemoryError"), log);
                assertEquals("sendMedia", sent.action());
                assertEquals("document", sent.body().path("mediatype").asText());
                assertEquals("backup.zip", sent.body().path("fileName").asText());
                assertTrue(link.startsWith(bridge.baseUrl() + "/media/"), "the bridge's own link: " + link);
                assertEquals(FILE_BYTES, sent.media().sizeBytes());
                assertEquals(sha256, sent.media().sha256(), "bytes EvolutionAPI fetched through the bridge's link");
                assertEquals(tailSha256(file, 1 << 20), tailSha256, "the last MiB through a range request");
                assertTrue(evolution.sendViolations().isEmpty(), evolution.sendViolations().toString());
                if (peakResidentBytes > 0) {
                    assertTrue(peakResidentBytes < FILE_BYTES, "peak RSS " + peakResidentBytes
                            + " bytes: the file must not sit in native memory either");
                }
            }
        }
    }

    private static ObjectNode reply(long conversationId, String dataUrl) {
        ObjectNode event = MAPPER.createObjectNode();
        event.put("event", "message_created").put("id", 9001).put("message_type", "outgoing")
                .put("private", false).put("content", "Segue o backup").putNull("source_id");
        event.putObject("account").put("id", 1);
        event.putObject("inbox").put("id", 7);
        event.putObject("sender").put("id", 3).put("name", "Agente Exemplo").put("type", "user");
        ObjectNode conversation = event.putObject("conversation").put("id", conversationId).put("inbox_id", 7);
        conversation.putObject("meta").putObject("sender").put("identifier", "5511900000001@s.whatsapp.net")
                .put("phone_number", "+5511900000001");
        event.putArray("attachments").addObject().put("id", 77).put("file_type", "file").put("data_url", dataUrl)
                .put("file_size", FILE_BYTES);
        return event;
    }

    private static String rangeSha256(String link, String range) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(link))
                .header("Range", range).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(206, response.statusCode());
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                sha256.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static String tailSha256(Path file, int tailBytes) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (var channel = Files.newByteChannel(file)) {
            channel.position(channel.size() - tailBytes);
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(64 * 1024);
            while (channel.read(buffer) > 0) {
                buffer.flip();
                sha256.update(buffer);
                buffer.clear();
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static Path randomFile(Path target, long sizeBytes) throws Exception {
        Random random = new Random(42);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(target)) {
            for (long written = 0; written < sizeBytes; written += chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, sizeBytes - written));
            }
        }
        return target;
    }
}
