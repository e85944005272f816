package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.processors.webhook.WhatsAppFields;
import org.ecbridge.testsupport.ChatwootAttachment;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.Sha256;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the real routes and delivers every EvolutionAPI fixture to a Chatwoot stand-in, proving each file's bytes
 * by SHA-256.
 */
class WebhookToChatwootTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EvolutionStandIn evolution;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;

    @BeforeEach
    void startServers() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evolution")), EVOLUTION_KEY)
                .addInstance("atendimento-exemplo")
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
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
    void everyFixtureArrivesWithItsBytes() throws Exception {
        Path pdf = randomFile("orcamento.pdf", 48_213, 1);
        Path voiceNote = randomFile("voice.ogg", 7_421, 2);
        Path video = randomFile("video.mp4", 300_000, 3);
        String mediaPath = "/media/evolution/orcamento.pdf?X-Amz-Credential=KEY%2F20250115%2Fus-east-1"
                + "&X-Amz-Signature=d8b9db92";
        evolution.serveFile(mediaPath, pdf, "application/pdf");
        evolution.registerMedia("B7C8D9E0F1A2B3C4D5E6F708192A3B4C", voiceNote, "audio/ogg; codecs=opus", null);
        evolution.registerMedia("3A0B1C2D3E4F5A6B7C8D", video, "video/mp4", null);
        String mediaUrlFixture = withFileSha256(fixture("messages-upsert-document-mediaurl.json"), pdf)
                .replaceAll("\"mediaUrl\": *\"[^\"]*\"", "\"mediaUrl\": \"" + evolution.mediaUrl(mediaPath) + "\"");

        for (String body : List.of(fixture("messages-upsert-text.json"), fixture("messages-upsert-image-base64.json"),
                fixture("messages-upsert-document-base64.json"), mediaUrlFixture,
                withFileSha256(fixture("messages-upsert-audio-ptt.json"), voiceNote),
                withFileSha256(fixture("messages-upsert-video-no-media.json"), video),
                fixture("messages-upsert-group-quoted.json"))) {
            HttpResponse<String> response = webhooks.post(body);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("accepted", MAPPER.readTree(response.body()).path("status").asText(), response.body());
        }
        List<ChatwootMessage> messages = chatwoot.awaitMessages(7, DELIVERY_TIMEOUT);

        ChatwootMessage text = bySource(messages, "3A5F0C1B2D3E4F5A6B7C");
        assertEquals("Olá! Gostaria de um orçamento para 3 banners.", text.content());
        assertEquals("incoming", text.messageType());
        assertTrue(text.attachments().isEmpty());

        ChatwootMessage image = bySource(messages, "A1B2C3D4E5F60718293A4B5C6D7E8F90");
        assertEquals("foto do produto", image.content());
        assertAttachment(image, "image/jpeg", declaredSha256("messages-upsert-image-base64.json", "imageMessage"));

        ChatwootMessage psd = bySource(messages, "3EB0C7A1F2D3E4B5A6C7D8");
        ChatwootAttachment psdFile = assertAttachment(psd, "image/vnd.adobe.photoshop",
                declaredSha256("messages-upsert-document-base64.json", "documentMessage"));
        assertEquals("arte_final.psd", psdFile.fileName());
        assertEquals(340, psdFile.sizeBytes());

        ChatwootAttachment pdfFile = assertAttachment(bySource(messages, "5D0A1B2C3D4E5F60718293A4B5C6D7E8"),
                "application/pdf", Sha256.ofFile(pdf));
        assertEquals("orcamento.pdf", pdfFile.fileName());
        assertTrue(evolution.requests().stream().anyMatch(request -> request.rawUri().equals(mediaPath)),
                "mediaUrl must be fetched byte for byte as received: " + evolution.requests());

        // HttpClient's multipart writes the part's mimetype without parameters such as codecs.
        assertAttachment(bySource(messages, "B7C8D9E0F1A2B3C4D5E6F708192A3B4C"), "audio/ogg",
                Sha256.ofFile(voiceNote));
        ChatwootMessage videoMessage = bySource(messages, "3A0B1C2D3E4F5A6B7C8D");
        assertAttachment(videoMessage, "video/mp4", Sha256.ofFile(video));
        assertEquals("vídeo mostrando o defeito", videoMessage.content());

        ChatwootMessage group = bySource(messages, "3EB0AA11BB22CC33DD44EE");
        assertEquals("**Outro Cliente Exemplo** (+5511900000002):\nPode confirmar o horário, por favor?",
                group.content());
        assertEquals("WAID:3EB05F4E3D2C1B0A998877",
                group.contentAttributes().path("in_reply_to_external_id").asText());

        assertEquals(2, chatwoot.contacts().size(), "one contact for the customer and one for the group");
        assertEquals(2, chatwoot.conversations().size(), "one conversation per chat");
        assertTrue(chatwoot.contractViolations().isEmpty(), chatwoot.contractViolations().toString());
    }

    @Test
    void eventsTheBridgeDoesNotHandleAreAcknowledged() throws Exception {
        for (String name : List.of("messages-update-read.json", "connection-update.json")) {
            HttpResponse<String> response = webhooks.post(fixture(name));

            assertEquals(200, response.statusCode(), name);
            assertEquals("ignored", MAPPER.readTree(response.body()).path("status").asText(), name);
        }
        assertTrue(chatwoot.messages().isEmpty());
    }

    @Test
    void duplicateWebhookPostsOnce() throws Exception {
        String image = fixture("messages-upsert-image-base64.json");

        HttpResponse<String> first = webhooks.post(image);
        HttpResponse<String> second = webhooks.post(image);
        chatwoot.awaitMessages(1, DELIVERY_TIMEOUT);
        Thread.sleep(1000);

        assertEquals(200, first.statusCode());
        assertEquals(200, second.statusCode());
        assertEquals("duplicate", MAPPER.readTree(second.body()).path("status").asText());
        assertEquals(1, chatwoot.messages().size());
        assertEquals(0, countFiles(bridge.dataDir().resolve("staging/tmp")), "no temporary media left");
    }

    @Test
    void replyQuotesTheChatwootMessageItAnswers() throws Exception {
        String original = fixture("messages-upsert-text.json");
        String reply = original.replace("3A5F0C1B2D3E4F5A6B7C", "3A5F0C1B2D3E4F5A6B7D")
                .replace("\"messageType\": \"conversation\",", "\"contextInfo\": {\"stanzaId\": "
                        + "\"3A5F0C1B2D3E4F5A6B7C\"}, \"messageType\": \"conversation\",");

        webhooks.post(original);
        ChatwootMessage first = chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0);
        webhooks.post(reply);
        ChatwootMessage second = bySource(chatwoot.awaitMessages(2, DELIVERY_TIMEOUT), "3A5F0C1B2D3E4F5A6B7D");

        assertEquals(first.id(), second.contentAttributes().path("in_reply_to").asLong());
    }

    @Test
    void messageFromThePhoneIsOutgoing() throws Exception {
        String fromMe = fixture("messages-upsert-text.json").replace("\"fromMe\": false", "\"fromMe\": true")
                .replace("\"pushName\": \"Cliente Exemplo\"", "\"pushName\": \"Você\"");

        webhooks.post(fromMe);
        ChatwootMessage message = chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0);

        assertEquals("outgoing", message.messageType());
        assertEquals("+5511900000001", chatwoot.contacts().get(0).name(), "the business's name is not the contact's");
    }

    @Test
    void chatwootOutageDelaysDeliveryButNotTheWebhook() throws Exception {
        chatwoot.failNext("POST", "/messages$", 503, 3);

        HttpResponse<String> response = webhooks.post(fixture("messages-upsert-document-base64.json"));
        List<ChatwootMessage> messages = chatwoot.awaitMessages(1, DELIVERY_TIMEOUT);
        Thread.sleep(500);

        assertEquals(200, response.statusCode());
        assertEquals(1, chatwoot.messages().size());
        assertEquals(declaredSha256("messages-upsert-document-base64.json", "documentMessage"),
                messages.get(0).attachments().get(0).sha256());
        long posts = chatwoot.requests().stream()
                .filter(request -> request.method().equals("POST") && request.path().endsWith("/messages"))
                .count();
        assertEquals(4, posts, "three answered 503, the fourth was accepted");
        long searches = chatwoot.requests().stream()
                .filter(request -> request.method().equals("GET") && request.path().endsWith("/messages"))
                .count();
        assertEquals(3, searches, "each attempt after a failed one first looks for the message");
    }

    @Test
    void persistentChatwootOutageEndsInDeadLetterFolder() throws Exception {
        chatwoot.failNext("POST", "/messages$", 503, 1000);

        webhooks.post(fixture("messages-upsert-text.json"));
        Path dead = bridge.dataDir().resolve("staging/dead");
        long deadline = System.currentTimeMillis() + DELIVERY_TIMEOUT.toMillis();
        while (countFiles(dead) == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }

        assertEquals(1, countFiles(dead), "redeliveries must end");
        // The dead-letter record is written before the note is posted, so the note's POST may still be on its way.
        while (messagePosts() < 1 + 6 + 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(300);
        assertEquals(1 + 6 + 1, messagePosts(), "the first attempt, six redeliveries and the dead-letter note");
    }

    private long messagePosts() {
        return chatwoot.requests().stream()
                .filter(request -> request.method().equals("POST") && request.path().endsWith("/messages"))
                .count();
    }

    @Test
    void permanentChatwootErrorGoesToDeadLetterFolder() throws Exception {
        chatwoot.failNext("/messages$", 422, 1);

        webhooks.post(fixture("messages-upsert-text.json"));
        Path dead = bridge.dataDir().resolve("staging/dead");
        long deadline = System.currentTimeMillis() + DELIVERY_TIMEOUT.toMillis();
        while (countFiles(dead) == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }

        assertEquals(1, countFiles(dead));
        JsonNode deadLetter;
        try (var files = Files.list(dead)) {
            deadLetter = MAPPER.readTree(files.findFirst().orElseThrow().toFile());
        }
        assertEquals("3A5F0C1B2D3E4F5A6B7C", deadLetter.path("message").path("messageId").asText());
        assertTrue(deadLetter.path("reason").asText().contains("422"), deadLetter.toString());
        ChatwootMessage note = chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0);
        assertTrue(note.privateNote(), "agents learn of it through a private note");
        assertTrue(note.content().contains("3A5F0C1B2D3E4F5A6B7C"), note.content());
        assertTrue(note.content().contains("422"), note.content());
    }

    @Test
    void stagedMessageSurvivesRestart() throws Exception {
        bridge.close();
        Map<String, String> unreachable = EmbeddedBridge.defaults(tempDir.resolve("data"),
                "http://127.0.0.1:" + EmbeddedBridge.freePort(), CHATWOOT_TOKEN);
        unreachable.put("bridge.delivery.max-redeliveries", "-1");
        bridge = EmbeddedBridge.start(unreachable);
        webhooks = new WebhookClient(bridge.webhookUrl());

        HttpResponse<String> response = webhooks.post(fixture("messages-upsert-image-base64.json"));
        Thread.sleep(500);
        bridge.close();
        bridge = EmbeddedBridge.start(EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN));
        List<ChatwootMessage> messages = chatwoot.awaitMessages(1, DELIVERY_TIMEOUT);

        assertEquals(200, response.statusCode());
        assertEquals(declaredSha256("messages-upsert-image-base64.json", "imageMessage"),
                messages.get(0).attachments().get(0).sha256());
    }

    private ChatwootAttachment assertAttachment(ChatwootMessage message, String contentType, String sha256) {
        assertEquals(1, message.attachments().size(), "attachments of " + message.sourceId());
        ChatwootAttachment attachment = message.attachments().get(0);
        assertEquals(contentType, attachment.contentType(), "content type of " + message.sourceId());
        assertEquals(sha256, attachment.sha256(), "SHA-256 of " + message.sourceId());
        return attachment;
    }

    private static ChatwootMessage bySource(List<ChatwootMessage> messages, String whatsAppId) {
        return messages.stream().filter(message -> ("WAID:" + whatsAppId).equals(message.sourceId())).findFirst()
                .orElseThrow(() -> new AssertionError("no message with source_id WAID:" + whatsAppId + " in "
                        + messages));
    }

    @Test
    void mediaUrlWithWrongBytesFallsBack() throws Exception {
        Path pdf = randomFile("orcamento.pdf", 48_213, 1);
        Path errorPage = Files.writeString(tempDir.resolve("error.json"), "{}");
        String mediaPath = "/media/evolution/orcamento.pdf?X-Amz-Signature=0badc0de";
        evolution.serveFile(mediaPath, errorPage, "application/json");
        evolution.registerMedia("5D0A1B2C3D4E5F60718293A4B5C6D7E8", pdf, "application/pdf", "orcamento.pdf");
        String webhook = withFileSha256(fixture("messages-upsert-document-mediaurl.json"), pdf)
                .replaceAll("\"mediaUrl\": *\"[^\"]*\"", "\"mediaUrl\": \"" + evolution.mediaUrl(mediaPath) + "\"");

        HttpResponse<String> response = webhooks.post(webhook);
        ChatwootMessage message = chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0);

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(evolution.requests().stream().anyMatch(request -> request.rawUri().equals(mediaPath)),
                "the mediaUrl was tried first: " + evolution.requests());
        ChatwootAttachment attachment = assertAttachment(message, "application/pdf", Sha256.ofFile(pdf));
        assertEquals(48_213, attachment.sizeBytes(), "the file from getBase64FromMediaMessage, not the 2 bytes");
    }

    /**
     * Sets the fileSha256 and fileLength of the fixture's media content to those of {@code file}, as WhatsApp
     * declares them for the file it carries.
     */
    private static String withFileSha256(String fixture, Path file) throws IOException {
        ObjectNode webhook = (ObjectNode) MAPPER.readTree(fixture);
        for (JsonNode content : webhook.path("data").path("message")) {
            if (content.isObject() && content.has("fileSha256")) {
                byte[] sha256 = HexFormat.of().parseHex(Sha256.ofFile(file));
                ((ObjectNode) content).put("fileSha256", java.util.Base64.getEncoder().encodeToString(sha256));
                ((ObjectNode) content).put("fileLength", Files.size(file));
            }
        }
        return webhook.toString();
    }

    private static String declaredSha256(String fixture, String contentType) throws IOException {
        JsonNode declared = MAPPER.readTree(fixture(fixture)).path("data").path("message").path(contentType)
                .get("fileSha256");
        return HexFormat.of().formatHex(WhatsAppFields.bytes(declared).orElseThrow());
    }

    private Path randomFile(String name, int sizeBytes, long seed) throws IOException {
        byte[] bytes = new byte[sizeBytes];
        new Random(seed).nextBytes(bytes);
        return Files.write(tempDir.resolve(name), bytes);
    }

    private static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }

    static String fixture(String name) throws IOException {
        try (InputStream in = WebhookToChatwootTest.class.getResourceAsStream("/fixtures/evolution/" + name)) {
            assertNotNull(in, "fixture " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
