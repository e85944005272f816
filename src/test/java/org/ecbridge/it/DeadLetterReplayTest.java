package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dead letters listed and replayed over the management port's HTTP API, then delivered. */
class DeadLetterReplayTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tempDir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void replayedDeadLetterIsDelivered() throws Exception {
        try (ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")),
                CHATWOOT_TOKEN).addInbox(7, "WhatsApp").start();
                EmbeddedBridge bridge = EmbeddedBridge.start(EmbeddedBridge.defaults(tempDir.resolve("data"),
                        chatwoot.baseUrl(), CHATWOOT_TOKEN))) {
            // 400 is permanent; a 413 or 422 on an attachment would fall back to a link instead.
            chatwoot.failNext("POST", "/conversations/\\d+/messages$", 400, 1);
            new WebhookClient(bridge.webhookUrl()).post(WebhookToChatwootTest.fixture(
                    "messages-upsert-document-base64.json"));
            ChatwootMessage note = chatwoot.awaitMessages(1, TIMEOUT).get(0);
            String base = "http://127.0.0.1:" + bridge.managementPort() + "/dead-letters";

            String authorization = "Bearer " + Files.readString(bridge.dataDir().resolve("management-token")).trim();

            JsonNode listed = MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base)).GET()
                    .header("Authorization", authorization), 200));
            String itemId = listed.get(0).path("itemId").asText();
            JsonNode replayed = MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base + "/" + itemId
                    + "/replay")).POST(HttpRequest.BodyPublishers.noBody()).header("Authorization", authorization),
                    200));
            List<ChatwootMessage> messages = chatwoot.awaitMessages(2, TIMEOUT);

            assertTrue(note.privateNote());
            assertEquals(1, listed.size());
            assertEquals("3EB0C7A1F2D3E4B5A6C7D8", listed.get(0).path("messageId").asText());
            assertEquals("arte_final.psd", listed.get(0).path("fileName").asText());
            assertTrue(listed.get(0).path("mediaKept").asBoolean(), "media kept for the replay");
            assertEquals(itemId, replayed.asText());
            ChatwootMessage delivered = messages.get(1);
            assertFalse(delivered.privateNote());
            assertEquals("WAID:3EB0C7A1F2D3E4B5A6C7D8", delivered.sourceId());
            assertEquals(340, delivered.attachments().get(0).sizeBytes());
            assertEquals(0, MAPPER.readTree(send(HttpRequest.newBuilder(URI.create(base)).GET()
                    .header("Authorization", authorization), 200)).size());
        }
    }

    @Test
    void replayOfUnknownDeadLetterGets404() throws Exception {
        try (ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")),
                CHATWOOT_TOKEN).addInbox(7, "WhatsApp").start();
                EmbeddedBridge bridge = EmbeddedBridge.start(EmbeddedBridge.defaults(tempDir.resolve("data"),
                        chatwoot.baseUrl(), CHATWOOT_TOKEN))) {
            String url = "http://127.0.0.1:" + bridge.managementPort() + "/dead-letters/20260101T000000000-x/replay";

            String authorization = "Bearer " + Files.readString(bridge.dataDir().resolve("management-token")).trim();

            String body = send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody())
                    .header("Authorization", authorization), 404);

            assertTrue(body.contains("no dead letter"), body);
        }
    }

    @Test
    void deadLetterApiNeedsToken() throws Exception {
        try (ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")),
                CHATWOOT_TOKEN).addInbox(7, "WhatsApp").start();
                EmbeddedBridge bridge = EmbeddedBridge.start(withManagementToken(EmbeddedBridge.defaults(
                        tempDir.resolve("data"), chatwoot.baseUrl(), CHATWOOT_TOKEN)))) {
            String base = "http://127.0.0.1:" + bridge.managementPort();

            String missing = send(HttpRequest.newBuilder(URI.create(base + "/dead-letters")).GET(), 401);
            send(HttpRequest.newBuilder(URI.create(base + "/dead-letters/replay"))
                    .POST(HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer wrong"), 401);
            send(HttpRequest.newBuilder(URI.create(base + "/dead-letters")).GET()
                    .header("Authorization", "Bearer management-test-token"), 200);
            send(HttpRequest.newBuilder(URI.create(base + "/observe/health/live")).GET(), 200);

            assertTrue(missing.contains("bridge.management.token"), missing);
            assertFalse(Files.exists(bridge.dataDir().resolve("management-token")), "no file when it is set");
        }
    }

    private static java.util.Map<String, String> withManagementToken(java.util.Map<String, String> properties) {
        properties.put("bridge.management.token", "management-test-token");
        return properties;
    }

    private String send(HttpRequest.Builder request, int expectedStatus) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, response.statusCode(), response.body());
        return response.body();
    }
}
