package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.storage.MediaLinkSigner;
import org.ecbridge.testsupport.ChatwootConversation;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.ChatwootWebhookClient;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.Sha256;
import org.ecbridge.testsupport.StorageStandIn;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the real routes and plays Chatwoot's webhooks for agent replies against stand-ins for EvolutionAPI,
 * Chatwoot's API and the attachment storage, checking what reaches EvolutionAPI and, by SHA-256, the bytes it
 * fetched from the URLs it was given.
 */
class ChatwootReplyTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final String INSTANCE = "atendimento-exemplo";
    private static final String HOOK_TOKEN = "chatwoot-hook-token";
    private static final String CUSTOMER_JID = "5511900000001@s.whatsapp.net";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EvolutionStandIn evolution;
    private StorageStandIn storage;
    private EmbeddedBridge bridge;
    private ChatwootWebhookClient hooks;
    private long conversationId;
    private long nextMessageId = 5000;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void startServers() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evolution")), EVOLUTION_KEY)
                .addInstance(INSTANCE)
                .start();
        storage = new StorageStandIn(Files.createDirectories(tempDir.resolve("storage"))).start();
        ChatwootConversation conversation = chatwoot.seedConversation(1, 7, "Cliente Exemplo", "+5511900000001",
                CUSTOMER_JID);
        conversationId = conversation.displayId();
        startBridge(properties -> { });
    }

    @AfterEach
    void stopServers() throws Exception {
        bridge.close();
        storage.close();
        evolution.close();
        chatwoot.close();
    }

    @Test
    void outgoingAttachmentIsSentByUrl() throws Exception {
        Path pdf = randomFile("orcamento_v2.pdf", 248_331, 1);
        storage.put("blob-pdf", pdf, "application/pdf");
        ObjectNode event = fixture("message-created-outgoing-attachment.json");
        ((ObjectNode) attachments(event).get(0)).put("data_url", storage.dataUrl("blob-pdf", "orcamento_v2.pdf"));

        HttpResponse<String> response = postWithToken(event);
        EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, TIMEOUT).get(0);

        assertAccepted(response);
        assertEquals("sendMedia", sent.action());
        assertEquals(INSTANCE, sent.instance());
        assertEquals(CUSTOMER_JID, sent.body().path("number").asText());
        assertEquals("document", sent.body().path("mediatype").asText());
        assertEquals("application/pdf", sent.body().path("mimetype").asText());
        assertEquals("orcamento_v2.pdf", sent.body().path("fileName").asText());
        assertEquals("Segue o orçamento atualizado.", sent.body().path("caption").asText());
        assertTrue(sent.body().path("media").asText().startsWith(storage.baseUrl() + StorageStandIn.BUCKET_PATH),
                "the storage's own URL, after Chatwoot's redirect: " + sent.body());
        assertEquals(Sha256.ofFile(pdf), sent.media().sha256(), "bytes EvolutionAPI fetched");
        long wholeDownloads = storage.requests().stream()
                .filter(request -> request.path().startsWith(StorageStandIn.BUCKET_PATH) && request.range() == null)
                .count();
        assertEquals(1, wholeDownloads, "only EvolutionAPI downloads the whole file: " + storage.requests());
        assertTrue(evolution.sendViolations().isEmpty(), evolution.sendViolations().toString());
    }

    @Test
    void privateNoteIncomingAndStatusChangeAreIgnored() throws Exception {
        for (String name : List.of("message-created-private-note.json", "message-created-incoming.json",
                "conversation-status-changed-resolved.json")) {
            HttpResponse<String> response = postWithToken(fixture(name));

            assertEquals(200, response.statusCode(), name + ": " + response.body());
            assertEquals("ignored", MAPPER.readTree(response.body()).path("status").asText(), name);
        }
        Thread.sleep(1000);

        assertTrue(evolution.sendRequests().isEmpty(), evolution.sendRequests().toString());
    }

    @Test
    void webhookWithoutValidTokenIsRejected() throws Exception {
        String body = textReply("Olá").toString();

        HttpResponse<String> none = hooks.post("", body);
        HttpResponse<String> wrongPath = hooks.post("/token/wrong", body);
        HttpResponse<String> wrongHeader = hooks.post("", body, "X-Bridge-Token", "wrong");
        HttpResponse<String> header = hooks.post("", textReply("Olá").toString(), "X-Bridge-Token", HOOK_TOKEN);

        assertEquals(401, none.statusCode(), none.body());
        assertEquals(401, wrongPath.statusCode(), wrongPath.body());
        assertEquals(401, wrongHeader.statusCode(), wrongHeader.body());
        assertAccepted(header);
    }

    @Test
    void signedWebhookIsVerified() throws Exception {
        String secret = "chatwoot-webhook-secret";
        restartBridge(properties -> properties.put("bridge.chatwoot.webhook-secret", secret));
        long now = Instant.now().getEpochSecond();
        String body = textReply("Mensagem assinada").toString();

        HttpResponse<String> valid = hooks.postSigned(body, secret, now);
        HttpResponse<String> wrongSecret = hooks.postSigned(textReply("x").toString(), "other-secret", now);
        HttpResponse<String> stale = hooks.postSigned(textReply("x").toString(), secret, now - 310);
        HttpResponse<String> future = hooks.postSigned(textReply("x").toString(), secret, now + 310);
        String signedBody = textReply("x").toString();
        HttpResponse<String> tampered = hooks.post("", signedBody.replace("\"x\"", "\"y\""), "X-Chatwoot-Signature",
                "sha256=" + ChatwootWebhookClient.signature(secret, now, signedBody), "X-Chatwoot-Timestamp",
                Long.toString(now));
        HttpResponse<String> tokenOnly = hooks.post("/token/" + HOOK_TOKEN, textReply("x").toString());

        assertAccepted(valid);
        assertEquals(401, wrongSecret.statusCode(), wrongSecret.body());
        assertEquals(401, stale.statusCode(), stale.body());
        assertEquals(401, future.statusCode(), future.body());
        assertEquals(401, tampered.statusCode(), tampered.body());
        assertEquals(401, tokenOnly.statusCode(), "a token is no substitute for the signature: " + tokenOnly.body());
        assertEquals("Mensagem assinada", evolution.awaitSendRequests(1, TIMEOUT).get(0).body().path("text")
                .asText());
    }

    @Test
    void textIsFormattedForWhatsApp() throws Exception {
        restartBridge(properties -> properties.put("bridge.reply.sign-messages", "true"));

        postWithToken(textReply("**Olá**, *tudo bem*? ~~não~~ `**código**`"));
        EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, TIMEOUT).get(0);

        assertEquals("sendText", sent.action());
        assertEquals("*Agente Exemplo:*\n*Olá*, _tudo bem_? ~não~ `**código**`", sent.body().path("text").asText());
        assertTrue(evolution.sendViolations().isEmpty(), evolution.sendViolations().toString());
    }

    @Test
    void echoOfSentReplyIsIgnored() throws Exception {
        ObjectNode reply = textReply("Resposta do agente");
        postWithToken(reply);
        String whatsAppId = evolution.awaitSendRequests(1, TIMEOUT).get(0).whatsAppId();
        awaitRecorded(whatsAppId);
        String echo = WebhookToChatwootTest.fixture("messages-upsert-text.json")
                .replace("3A5F0C1B2D3E4F5A6B7C", whatsAppId).replace("\"fromMe\": false", "\"fromMe\": true");

        HttpResponse<String> evolutionAnswer = new WebhookClient(bridge.webhookUrl()).post(echo);
        HttpResponse<String> chatwootRepeat = postWithToken(reply);
        Thread.sleep(1000);

        assertEquals(200, evolutionAnswer.statusCode(), evolutionAnswer.body());
        JsonNode answer = MAPPER.readTree(evolutionAnswer.body());
        assertEquals("ignored", answer.path("status").asText(), evolutionAnswer.body());
        assertEquals("echo of a reply the bridge sent", answer.path("message").asText());
        assertTrue(chatwoot.messages().isEmpty(), "nothing posted back to Chatwoot: " + chatwoot.messages());
        assertEquals(200, chatwootRepeat.statusCode());
        assertEquals("ignored", MAPPER.readTree(chatwootRepeat.body()).path("status").asText(),
                "the repeated Chatwoot event is the bridge's own message now: " + chatwootRepeat.body());
        assertEquals(1, evolution.sendRequests().size(), "sent once");
    }

    @Test
    void acknowledgementIsFastWhileEvolutionIsSlow() throws Exception {
        evolution.delayNext("POST", "/message/sendText/", Duration.ofSeconds(3), 3);

        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            HttpResponse<String> response = postWithToken(textReply("Mensagem " + i));
            long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

            assertAccepted(response);
            assertTrue(elapsedMillis < 1000, "acknowledged after " + elapsedMillis + " ms");
        }
        List<EvolutionStandIn.SendRequest> sent = evolution.awaitSendRequests(3, TIMEOUT);

        assertEquals(List.of("Mensagem 0", "Mensagem 1", "Mensagem 2"),
                sent.stream().map(request -> request.body().path("text").asText()).toList(), "in arrival order");
    }

    @Test
    void attachmentMissingAtFirstIsSentOnceStored() throws Exception {
        Path image = randomFile("foto.jpg", 120_000, 2);
        storage.put("blob-late", image, "image/jpeg");
        storage.missingFor("blob-late", 2);
        ObjectNode event = attachmentReply("Foto", attachment(storage.dataUrl("blob-late", "foto.jpg"), "image"));

        postWithToken(event);
        EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, TIMEOUT).get(0);

        assertEquals("image", sent.body().path("mediatype").asText());
        assertEquals("Foto", sent.body().path("caption").asText());
        assertEquals(Sha256.ofFile(image), sent.media().sha256());
        long notFound = storage.requests().stream().filter(request -> request.status() == 404).count();
        assertEquals(2, notFound, storage.requests().toString());
    }

    @Test
    void shortLivedLinkIsReplacedByBridgeLink() throws Exception {
        Path pdf = randomFile("contrato.pdf", 700_000, 3);
        storage.putPresigned("blob-s3", pdf, "application/pdf", Duration.ofSeconds(60));
        postWithToken(attachmentReply(null, attachment(storage.dataUrl("blob-s3", "contrato.pdf"), "file")));

        EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, TIMEOUT).get(0);
        String link = sent.body().path("media").asText();

        assertTrue(link.startsWith(bridge.baseUrl() + "/media/"), link);
        assertEquals(Sha256.ofFile(pdf), sent.media().sha256(), "bytes EvolutionAPI fetched from the bridge");
        assertEquals("application/pdf", sent.media().contentType());
        HttpResponse<byte[]> range = get(link, "Range", "bytes=10-19");
        assertEquals(206, range.statusCode());
        assertEquals("bytes 10-19/700000", range.headers().firstValue("Content-Range").orElse(null));
        assertEquals("10", range.headers().firstValue("Content-Length").orElse(null));
        assertEquals(Arrays.toString(Arrays.copyOfRange(Files.readAllBytes(pdf), 10, 20)),
                Arrays.toString(range.body()));
        HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(URI.create(link))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals("700000", head.headers().firstValue("Content-Length").orElse(null));
        assertEquals("bytes", head.headers().firstValue("Accept-Ranges").orElse(null));
        assertEquals("attachment; filename=\"contrato.pdf\"; filename*=UTF-8''contrato.pdf",
                head.headers().firstValue("Content-Disposition").orElse(null));
        assertEquals(416, get(link, "Range", "bytes=700000-").statusCode());
    }

    @Test
    void mediaLinkChecksSignatureAndExpiry() throws Exception {
        Path pdf = randomFile("contrato.pdf", 1000, 4);
        storage.putPresigned("blob-s3", pdf, "application/pdf", Duration.ofSeconds(60));
        postWithToken(attachmentReply(null, attachment(storage.dataUrl("blob-s3", "contrato.pdf"), "file")));
        String link = evolution.awaitSendRequests(1, TIMEOUT).get(0).body().path("media").asText();
        String key = link.split("/")[4];
        MediaLinkSigner signer = new MediaLinkSigner(Files.readString(bridge.dataDir().resolve("media-link-secret"))
                .trim(), bridge.baseUrl(), Clock.systemUTC());

        HttpResponse<byte[]> tampered = get(link.replace("contrato.pdf", "other.pdf"));
        HttpResponse<byte[]> badSignature = get(link.substring(0, link.length() - 4) + "0000");
        HttpResponse<byte[]> expired = get(signer.link(key, "contrato.pdf", Duration.ofSeconds(-10)));
        HttpResponse<byte[]> unknown = get(signer.link("0123456789abcdef0123456789abcdef", "contrato.pdf",
                Duration.ofMinutes(5)));
        HttpResponse<byte[]> valid = get(signer.link(key, "contrato.pdf", Duration.ofMinutes(5)));

        assertEquals(403, tampered.statusCode());
        assertEquals(403, badSignature.statusCode());
        assertEquals("invalid-signature", MAPPER.readTree(badSignature.body()).path("error").asText());
        assertEquals(403, expired.statusCode());
        assertEquals("expired", MAPPER.readTree(expired.body()).path("error").asText());
        assertEquals(404, unknown.statusCode());
        assertEquals("not-found", MAPPER.readTree(unknown.body()).path("error").asText());
        assertEquals(200, valid.statusCode());
        assertEquals(Sha256.ofFile(pdf), Sha256.ofBytes(valid.body()));
    }

    @Test
    void voiceNoteGoesAsWhatsAppAudio() throws Exception {
        Path voice = randomFile("audio.ogg", 9_000, 5);
        storage.put("blob-voice", voice, "audio/ogg");

        postWithToken(attachmentReply("Ouça o áudio", attachment(storage.dataUrl("blob-voice", "audio.ogg"),
                "audio")));
        List<EvolutionStandIn.SendRequest> sent = evolution.awaitSendRequests(2, TIMEOUT);

        assertEquals("sendWhatsAppAudio", sent.get(0).action());
        assertEquals(Sha256.ofFile(voice), sent.get(0).media().sha256());
        assertEquals("sendText", sent.get(1).action(), "a voice note has no caption, so the text follows it");
        assertEquals("Ouça o áudio", sent.get(1).body().path("text").asText());
        assertTrue(evolution.sendViolations().isEmpty(), evolution.sendViolations().toString());
    }

    @Test
    void mediaTypeFollowsRealTypeAndLimits() throws Exception {
        storage.put("psd", randomFile("arte.psd", 3_000, 6), "image/vnd.adobe.photoshop");
        storage.put("big-jpeg", randomFile("grande.jpg", 6 << 20, 7), "image/jpeg");
        storage.put("png", randomFile("pequena.png", 4_000, 8), "image/png");
        storage.put("unnamed", randomFile("blob", 2_000, 9), "image/png");
        storage.putIgnoringRanges("video", randomFile("clip.mp4", 50_000, 10), "video/mp4");
        storage.put("octet", randomFile("planilha.xlsx", 5_000, 11), "application/octet-stream");
        ObjectNode event = attachmentReply("Arquivos", attachment(storage.dataUrl("psd", "arte.psd"), "file"),
                attachment(storage.dataUrl("big-jpeg", "grande.jpg"), "image"),
                attachment(storage.dataUrl("png", "pequena.png"), "image"),
                attachment(storage.dataUrl("unnamed", "foto"), "image"),
                attachment(storage.dataUrl("video", "clip.mp4"), "video"),
                attachment(storage.dataUrl("octet", "planilha.xlsx"), "file"));

        postWithToken(event);
        List<EvolutionStandIn.SendRequest> sent = evolution.awaitSendRequests(7, TIMEOUT);

        assertEquals("Arquivos", sent.get(0).body().path("text").asText(), "the text goes first");
        assertMedia(sent.get(1), "document", "image/vnd.adobe.photoshop", "arte.psd");
        assertMedia(sent.get(2), "document", "image/jpeg", "grande.jpg");
        assertMedia(sent.get(3), "image", "image/png", "pequena.png");
        assertMedia(sent.get(4), "image", "image/png", "foto.png");
        assertMedia(sent.get(5), "video", "video/mp4", "clip.mp4");
        assertMedia(sent.get(6), "document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "planilha.xlsx");
        sent.subList(1, 7).forEach(request -> assertFalse(request.body().has("caption"), request.body().toString()));
    }

    @Test
    void fileOverDocumentLimitGoesAsLink() throws Exception {
        storage.put("huge", randomFile("backup.zip", 9 << 20, 12), "application/zip");
        String dataUrl = storage.dataUrl("huge", "backup.zip");

        postWithToken(attachmentReply("Backup", attachment(dataUrl, "file")));
        EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, TIMEOUT).get(0);

        assertEquals("sendText", sent.action());
        assertEquals("Backup\n\nbackup.zip (9.4 MB): " + dataUrl, sent.body().path("text").asText());
        assertEquals(0, storage.fileBytesSent("huge") - 1, "only the probe's single byte was read");
    }

    @Test
    void numberNotOnWhatsAppBecomesPrivateNote() throws Exception {
        evolution.notOnWhatsApp("5511900000001");

        postWithToken(textReply("Olá"));
        ChatwootMessage note = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertTrue(note.privateNote());
        assertEquals(conversationId, note.conversationDisplayId());
        assertEquals("This message was not delivered to WhatsApp: the number 5511900000001@s.whatsapp.net is not on "
                + "WhatsApp.", note.content());
        assertEquals(1, evolution.sendRequests().size(), "a permanent failure is not retried");
    }

    @Test
    void evolutionOutageEndsInPrivateNoteAfterRetries() throws Exception {
        evolution.failNext("POST", "/message/sendText/", 503, 10);

        postWithToken(textReply("Olá"));
        ChatwootMessage note = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertTrue(note.privateNote());
        assertTrue(note.content().contains("HTTP 503"), note.content());
        long attempts = evolution.requests().stream()
                .filter(request -> request.path().startsWith("/message/sendText/")).count();
        assertEquals(3, attempts, "the first try and bridge.reply.max-redeliveries=2 redeliveries");
    }

    @Test
    void transientFailureIsRedelivered() throws Exception {
        evolution.failNext("POST", "/message/sendText/", 500, 1);

        postWithToken(textReply("Olá de novo"));
        EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, TIMEOUT).get(0);

        assertEquals(201, sent.status());
        assertEquals("Olá de novo", sent.body().path("text").asText());
        Thread.sleep(300);
        assertTrue(chatwoot.messages().isEmpty(), "no note after a successful redelivery");
    }

    @Test
    void deletedMessageIsRevoked() throws Exception {
        ObjectNode reply = textReply("Mensagem errada");
        postWithToken(reply);
        String whatsAppId = evolution.awaitSendRequests(1, TIMEOUT).get(0).whatsAppId();
        awaitRecorded(whatsAppId);
        ObjectNode deleted = reply.deepCopy();
        deleted.put("event", "message_updated");
        deleted.put("content", "This message was deleted");
        deleted.putObject("content_attributes").put("deleted", true);

        HttpResponse<String> response = postWithToken(deleted);
        EvolutionStandIn.SendRequest revoke = evolution.awaitSendRequests(2, TIMEOUT).get(1);

        assertAccepted(response);
        assertEquals("deleteMessageForEveryone", revoke.action());
        assertEquals(whatsAppId, revoke.body().path("id").asText());
        assertEquals(CUSTOMER_JID, revoke.body().path("remoteJid").asText());
        assertTrue(revoke.body().path("fromMe").asBoolean());
        assertTrue(evolution.sendViolations().isEmpty(), evolution.sendViolations().toString());
    }

    @Test
    void replyQuotesTheWhatsAppMessage() throws Exception {
        new WebhookClient(bridge.webhookUrl()).post(WebhookToChatwootTest.fixture("messages-upsert-text.json"));
        ChatwootMessage customerMessage = chatwoot.awaitMessages(1, TIMEOUT).get(0);
        ObjectNode reply = textReply("Claro!");
        reply.with("conversation").put("id", customerMessage.conversationDisplayId());
        reply.putObject("content_attributes").put("in_reply_to", customerMessage.id());

        postWithToken(reply);
        JsonNode quoted = evolution.awaitSendRequests(1, TIMEOUT).get(0).body().path("quoted").path("key");

        assertEquals("3A5F0C1B2D3E4F5A6B7C", quoted.path("id").asText());
        assertEquals(CUSTOMER_JID, quoted.path("remoteJid").asText());
        assertFalse(quoted.path("fromMe").asBoolean());
    }

    @Test
    void groupReplyGoesToGroupJid() throws Exception {
        ObjectNode reply = textReply("Oi grupo");
        reply.with("conversation").with("meta").with("sender").put("identifier", "120363012345678901@g.us")
                .putNull("phone_number");

        postWithToken(reply);

        assertEquals("120363012345678901@g.us", evolution.awaitSendRequests(1, TIMEOUT).get(0).body()
                .path("number").asText());
    }

    @Test
    void stagedReplySurvivesRestart() throws Exception {
        restartBridge(properties -> {
            properties.put("bridge.evolution.url", "http://127.0.0.1:" + EmbeddedBridge.freePort());
            properties.put("bridge.reply.max-redeliveries", "-1");
        });
        HttpResponse<String> response = postWithToken(textReply("Depois do reinício"));
        Thread.sleep(500);

        restartBridge(properties -> { });
        EvolutionStandIn.SendRequest sent = evolution.awaitSendRequests(1, TIMEOUT).get(0);

        assertAccepted(response);
        assertEquals("Depois do reinício", sent.body().path("text").asText());
    }

    // --- helpers

    private void startBridge(Consumer<Map<String, String>> overrides) throws Exception {
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.evolution.url", evolution.baseUrl());
        properties.put("bridge.evolution.api-key", EVOLUTION_KEY);
        properties.put("bridge.reply.default-instance", INSTANCE);
        properties.put("bridge.chatwoot.webhook-token", HOOK_TOKEN);
        properties.put("bridge.reply.poll-delay-millis", "50");
        properties.put("bridge.reply.max-redeliveries", "2");
        properties.put("bridge.reply.redelivery-delay-millis", "100");
        properties.put("bridge.reply.max-redelivery-delay-millis", "400");
        properties.put("bridge.reply.media-wait-delay-millis", "100");
        properties.put("bridge.reply.max-document-bytes", Long.toString(8L << 20));
        overrides.accept(properties);
        bridge = EmbeddedBridge.start(properties);
        hooks = new ChatwootWebhookClient(bridge.baseUrl() + "/webhook/chatwoot");
    }

    private void restartBridge(Consumer<Map<String, String>> overrides) throws Exception {
        bridge.close();
        startBridge(overrides);
    }

    private HttpResponse<String> postWithToken(JsonNode event) throws IOException, InterruptedException {
        return hooks.post("/token/" + HOOK_TOKEN, event.toString());
    }

    private static void assertAccepted(HttpResponse<String> response) throws IOException {
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("accepted", MAPPER.readTree(response.body()).path("status").asText(), response.body());
    }

    private static void assertMedia(EvolutionStandIn.SendRequest sent, String mediatype, String mimetype,
            String fileName) {
        assertEquals("sendMedia", sent.action(), sent.body().toString());
        assertEquals(mediatype, sent.body().path("mediatype").asText(), sent.body().toString());
        assertEquals(mimetype, sent.body().path("mimetype").asText(), sent.body().toString());
        assertEquals(fileName, sent.body().path("fileName").asText(), sent.body().toString());
        assertEquals(200, sent.media().status(), "EvolutionAPI fetched " + sent.body().path("media"));
    }

    /** Waits until the reply's WhatsApp id is in the bridge's state journal, written right after the send. */
    private void awaitRecorded(String whatsAppId) throws Exception {
        Path journal = bridge.dataDir().resolve("state/state.jsonl");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.readString(journal).contains("sent:" + INSTANCE + ":" + whatsAppId)) {
            assertTrue(System.nanoTime() < deadline, "WhatsApp id " + whatsAppId + " never recorded");
            Thread.sleep(50);
        }
    }

    private HttpResponse<byte[]> get(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Returns a Chatwoot fixture pointed at the seeded conversation. */
    private ObjectNode fixture(String name) throws IOException {
        try (InputStream in = ChatwootReplyTest.class.getResourceAsStream("/fixtures/chatwoot/" + name)) {
            assertNotNull(in, "fixture " + name);
            ObjectNode event = (ObjectNode) MAPPER.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            event.with("conversation").put("id", conversationId);
            if (event.path("event").asText().equals("conversation_status_changed")) {
                event.put("id", conversationId);
            }
            return event;
        }
    }

    /** Returns an agent's text reply with a message id of its own. */
    private ObjectNode textReply(String content) throws IOException {
        ObjectNode event = fixture("message-created-outgoing-attachment.json");
        event.put("id", nextMessageId++);
        event.put("content", content);
        event.remove("attachments");
        return event;
    }

    private ObjectNode attachmentReply(String content, ObjectNode... attachments) throws IOException {
        ObjectNode event = textReply(content == null ? "" : content);
        if (content == null) {
            event.putNull("content");
        }
        ArrayNode list = event.putArray("attachments");
        Arrays.stream(attachments).forEach(list::add);
        return event;
    }

    private ObjectNode attachment(String dataUrl, String fileType) {
        ObjectNode attachment = MAPPER.createObjectNode();
        attachment.put("id", nextMessageId++);
        attachment.put("file_type", fileType);
        attachment.put("account_id", 1);
        attachment.putNull("extension");
        attachment.put("data_url", dataUrl);
        attachment.put("thumb_url", "");
        return attachment;
    }

    private static ArrayNode attachments(ObjectNode event) {
        return (ArrayNode) event.path("attachments");
    }

    private Path randomFile(String name, int sizeBytes, long seed) throws IOException {
        byte[] bytes = new byte[sizeBytes];
        new Random(seed).nextBytes(bytes);
        Path dir = Files.createDirectories(tempDir.resolve("files-" + seed));
        return Files.write(dir.resolve(name), bytes);
    }
}
