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
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.testsupport.ChatwootAttachment;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.RecordedRequest;
import org.ecbridge.testsupport.Sha256;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code whatsapp-cdn} media source through the real routes: an HTTP server on loopback plays WhatsApp's CDN
 * and serves the encrypted vectors of {@code fixtures/whatsapp-media}; webhooks carry no base64 and their
 * mediaKey as an index object. Files are proved by SHA-256 at the Chatwoot stand-in. A corrupt, expired or slow
 * download falls back to EvolutionAPI's getBase64FromMediaMessage, the next configured source.
 */
class WhatsAppCdnMediaTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final String INSTANCE = "atendimento-exemplo";
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/whatsapp-media");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long CDN_TIMEOUT_MILLIS = 1500;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    /** Plays both EvolutionAPI and, under /media/, WhatsApp's CDN. */
    private EvolutionStandIn evolution;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;

    @BeforeEach
    void startServers() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evolution")), EVOLUTION_KEY)
                .addInstance(INSTANCE)
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.media.sources", "whatsapp-cdn,inline,evolution-api");
        properties.put("bridge.media.whatsapp-cdn-url", evolution.baseUrl());
        properties.put("bridge.media.whatsapp-cdn-timeout-millis", Long.toString(CDN_TIMEOUT_MILLIS));
        properties.put("bridge.evolution.url", evolution.baseUrl());
        properties.put("bridge.evolution.api-key", EVOLUTION_KEY);
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    @AfterEach
    void stopServers() throws Exception {
        bridge.close();
        evolution.close();
        chatwoot.close();
    }

    @Test
    void everyVectorArrivesDecrypted() throws Exception {
        List<JsonNode> vectors = vectors();
        for (JsonNode vector : vectors) {
            String messageId = "CDN" + vector.path("mediaType").asText().toUpperCase(Locale.ROOT);
            String directPath = serveEncrypted(messageId, vector.path("encFile").asText());
            boolean urlOnly = vector.path("mediaType").asText().equals("Audio");

            post(webhook(messageId, vector, urlOnly ? null : directPath, evolution.mediaUrl(directPath)));
        }

        List<ChatwootMessage> messages = chatwoot.awaitMessages(vectors.size(), TIMEOUT);
        for (int i = 0; i < vectors.size(); i++) {
            JsonNode vector = vectors.get(i);
            ChatwootAttachment attachment = onlyAttachment(messages.get(i));
            assertEquals(Sha256.ofFile(FIXTURES.resolve(vector.path("plainFile").asText())), attachment.sha256(),
                    vector.path("plainFile").asText() + " at Chatwoot");
            assertEquals(vector.path("fileName").asText(), attachment.fileName());
        }
        assertTrue(evolution.base64Requests().isEmpty(), "no file was fetched through EvolutionAPI");
    }

    @Test
    void badMacFallsBackToEvolutionApi() throws Exception {
        JsonNode document = vector("Document");
        String directPath = serveEncrypted("BADMAC01", "document-bad-mac.enc");
        evolution.registerMedia("BADMAC01", FIXTURES.resolve("document.plain"), "application/pdf", "contrato.pdf");

        post(webhook("BADMAC01", document, directPath, null));
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertEquals(1, cdnRequests(directPath), "the CDN was asked once");
        assertEquals(1, evolution.base64Requests().size(), "EvolutionAPI was asked after the MAC mismatch");
        assertEquals(Sha256.ofFile(FIXTURES.resolve("document.plain")), onlyAttachment(message).sha256());
    }

    @Test
    void expiredUrlFallsBackToEvolutionApi() throws Exception {
        JsonNode image = vector("Image");
        int[] expiredStatuses = {403, 404, 410};
        for (int status : expiredStatuses) {
            String messageId = "EXPIRED" + status;
            String directPath = serveEncrypted(messageId, "image.enc");
            evolution.failNext("GET", directPathOnly(directPath) + "$", status, 1);
            evolution.registerMedia(messageId, FIXTURES.resolve("image.plain"), "image/jpeg", "foto.jpg");

            post(webhook(messageId, image, directPath, null));
        }

        List<ChatwootMessage> messages = chatwoot.awaitMessages(expiredStatuses.length, TIMEOUT);
        assertEquals(expiredStatuses.length, evolution.base64Requests().size(), "EvolutionAPI asked for each");
        for (ChatwootMessage message : messages) {
            assertEquals(Sha256.ofFile(FIXTURES.resolve("image.plain")), onlyAttachment(message).sha256(),
                    message.sourceId());
        }
    }

    @Test
    void slowCdnFallsBackAfterTimeout() throws Exception {
        JsonNode video = vector("Video");
        String directPath = serveEncrypted("SLOW01", "video.enc");
        evolution.delayNext("GET", directPathOnly(directPath) + "$", Duration.ofMillis(CDN_TIMEOUT_MILLIS * 3), 1);
        evolution.registerMedia("SLOW01", FIXTURES.resolve("video.plain"), "video/mp4", "clip.mp4");

        post(webhook("SLOW01", video, directPath, null));
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertEquals(1, evolution.base64Requests().size(), "EvolutionAPI was asked after the CDN timed out");
        assertEquals(Sha256.ofFile(FIXTURES.resolve("video.plain")), onlyAttachment(message).sha256());
    }

    /** Serves an encrypted fixture at a CDN-style path with a query, and returns that path and query. */
    private String serveEncrypted(String messageId, String encFile) {
        String directPath = EvolutionStandIn.MEDIA_PATH_PREFIX + "v/t62.7119-24/" + messageId
                + "_n.enc?ccb=11-4&oh=01_EXAMPLE&oe=67AB12CD&_nc_sid=5e03e0";
        evolution.serveFile(directPath, FIXTURES.resolve(encFile), "application/octet-stream");
        return directPath;
    }

    /** Builds a messages.upsert without base64: mediaKey as an index object, the hashes as base64 strings. */
    private static String webhook(String messageId, JsonNode vector, String directPath, String url) {
        ObjectNode content = MAPPER.createObjectNode();
        if (url != null) {
            content.put("url", url);
        }
        if (directPath != null) {
            content.put("directPath", directPath);
        }
        content.put("mimetype", vector.path("mimetype").asText());
        content.put("fileName", vector.path("fileName").asText());
        content.set("mediaKey", vector.path("mediaKeyIndexObject"));
        content.put("fileSha256", vector.path("fileSha256").asText());
        content.put("fileEncSha256", vector.path("fileEncSha256").asText());
        content.putObject("fileLength").put("low", vector.path("fileLength").asInt()).put("high", 0)
                .put("unsigned", true);
        content.putObject("mediaKeyTimestamp").put("low", 1736950480).put("high", 0).put("unsigned", false);
        String contentType = vector.path("mediaType").asText().toLowerCase(Locale.ROOT) + "Message";

        ObjectNode body = MAPPER.createObjectNode().put("event", "messages.upsert").put("instance", INSTANCE);
        ObjectNode data = body.putObject("data");
        data.putObject("key").put("remoteJid", "5511900000001@s.whatsapp.net").put("fromMe", false)
                .put("id", messageId);
        data.put("pushName", "Cliente Exemplo");
        data.putObject("message").putObject("ephemeralMessage").putObject("message").set(contentType, content);
        data.put("messageType", "ephemeralMessage");
        data.put("messageTimestamp", 1736950500);
        return body.toString();
    }

    private void post(String webhook) throws IOException, InterruptedException {
        HttpResponse<String> response = webhooks.post(webhook);
        assertEquals(200, response.statusCode(), response.body());
    }

    private long cdnRequests(String directPath) {
        String path = directPathOnly(directPath);
        return evolution.requests().stream().map(RecordedRequest::path).filter(path::equals).count();
    }

    private static String directPathOnly(String directPath) {
        return directPath.substring(0, directPath.indexOf('?'));
    }

    private static ChatwootAttachment onlyAttachment(ChatwootMessage message) {
        assertEquals(1, message.attachments().size(), "attachments of " + message.sourceId() + ": "
                + message.content());
        return message.attachments().get(0);
    }

    private static List<JsonNode> vectors() throws IOException {
        List<JsonNode> vectors = new ArrayList<>();
        MAPPER.readTree(FIXTURES.resolve("vectors.json").toFile()).forEach(vectors::add);
        return vectors;
    }

    private static JsonNode vector(String mediaType) throws IOException {
        return vectors().stream().filter(vector -> vector.path("mediaType").asText().equals(mediaType)).findFirst()
                .orElseThrow(() -> new AssertionError("vectors.json has no " + mediaType + " vector"));
    }
}
