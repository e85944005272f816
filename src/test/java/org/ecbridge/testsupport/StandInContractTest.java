package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exercises both stand-ins over real HTTP with the JDK client, as the bridge's integration tests will. */
class StandInContractTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final long ACCOUNT_ID = 3;
    private static final long INBOX_ID = 7;
    private static final String INSTANCE = "bridge-test";
    private static final String BOUNDARY = "standInBoundary7MA4YWxkTrZu0gW";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path workDir;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    private ChatwootStandIn chatwoot;
    private EvolutionStandIn evolution;

    @BeforeEach
    void startStandIns() {
        chatwoot = new ChatwootStandIn(workDir.resolve("chatwoot"), CHATWOOT_TOKEN)
                .addInbox(INBOX_ID, "WhatsApp test")
                .start();
        evolution = new EvolutionStandIn(workDir.resolve("evolution"), EVOLUTION_KEY)
                .addInstance(INSTANCE)
                .start();
    }

    @AfterEach
    void stopStandIns() {
        chatwoot.close();
        evolution.close();
    }

    @Test
    void contactConversationAndJsonMessageRecorded() throws Exception {
        JsonNode created = createContact("5511900000001@s.whatsapp.net", "+5511900000001");
        JsonNode contact = created.path("payload").path("contact");
        long contactId = contact.path("id").asLong();
        String sourceId = created.path("payload").path("contact_inbox").path("source_id").asText();
        assertEquals("Cliente Exemplo", contact.path("name").asText());
        assertEquals(INBOX_ID, contact.path("contact_inboxes").path(0).path("inbox").path("id").asLong());
        assertEquals(sourceId, contact.path("contact_inboxes").path(0).path("source_id").asText());

        HttpResponse<String> search = get(chatwootAccountUrl("/contacts/search?q=%2B5511900000001"));
        assertEquals(200, search.statusCode(), search.body());
        JsonNode found = json(search);
        assertEquals(1, found.path("meta").path("count").asInt());
        assertEquals(contactId, found.path("payload").path(0).path("id").asLong());
        JsonNode foundContactInbox = found.path("payload").path(0).path("contact_inboxes").path(0);
        assertEquals(sourceId, foundContactInbox.path("source_id").asText());

        JsonNode conversation = json(createConversation(contactId));
        assertEquals(1, conversation.path("id").asLong());
        assertEquals("open", conversation.path("status").asText());
        assertEquals(contactId, conversation.path("meta").path("sender").path("id").asLong());

        JsonNode listed = json(get(chatwootAccountUrl("/contacts/" + contactId + "/conversations")));
        assertEquals(1, listed.path("payload").size());
        assertEquals(1, listed.path("payload").path(0).path("id").asLong());

        HttpResponse<String> posted = postJson(chatwootAccountUrl("/conversations/1/messages"),
                "{\"content\":\"olá\",\"message_type\":\"incoming\",\"private\":false,"
                        + "\"source_id\":\"WAID:3EB0C7A1\","
                        + "\"content_attributes\":{\"in_reply_to_external_id\":\"X1\"}}");
        assertEquals(200, posted.statusCode(), posted.body());
        JsonNode message = json(posted);
        assertEquals(0, message.path("message_type").asInt());
        assertEquals("WAID:3EB0C7A1", message.path("source_id").asText());
        assertTrue(message.path("created_at").isIntegralNumber());
        assertFalse(message.has("attachments"));

        JsonNode messageList = json(get(chatwootAccountUrl("/conversations/1/messages")));
        assertEquals("WAID:3EB0C7A1", messageList.path("payload").path(0).path("source_id").asText());

        List<ChatwootMessage> messages = chatwoot.awaitMessages(1, TIMEOUT);
        ChatwootMessage recorded = messages.get(0);
        assertEquals(ACCOUNT_ID, recorded.accountId());
        assertEquals(1, recorded.conversationDisplayId());
        assertEquals("olá", recorded.content());
        assertEquals("incoming", recorded.messageType());
        assertEquals("X1", recorded.contentAttributes().path("in_reply_to_external_id").asText());
        assertEquals(List.of(), chatwoot.contractViolations());
    }

    @Test
    void multipartAttachmentHashRecorded() throws Exception {
        long contactId = createContact("5511900000002@s.whatsapp.net", "+5511900000002")
                .path("payload").path("contact").path("id").asLong();
        createConversation(contactId);
        byte[] file = randomBytes(1024 * 1024 + 7, 11);
        // filename* comes first, which Netty alone would resolve to the plain fallback name.
        String disposition = "form-data; name=\"attachments[]\"; filename*=UTF-8''arte%20final%20%C3%A7.psd;"
                + " filename=\"arte final c.psd\"";

        byte[] body = multipartBody(disposition, "image/vnd.adobe.photoshop", file);
        HttpResponse<String> response = postMultipart("/conversations/1/messages", body);

        assertEquals(200, response.statusCode(), response.body());
        JsonNode attachmentJson = json(response).path("attachments").path(0);
        assertEquals("file", attachmentJson.path("file_type").asText());
        assertEquals(file.length, attachmentJson.path("file_size").asLong());
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);
        assertEquals("segue a arte", message.content());
        assertEquals("WAID:MULTI1", message.sourceId());
        assertEquals("incoming", message.messageType());
        assertEquals("Q1", message.contentAttributes().path("in_reply_to_external_id").asText());
        assertEquals(1, message.attachments().size());
        ChatwootAttachment attachment = message.attachments().get(0);
        assertEquals("arte final ç.psd", attachment.fileName());
        assertEquals("image/vnd.adobe.photoshop", attachment.contentType());
        assertEquals(file.length, attachment.sizeBytes());
        assertEquals(Sha256.ofBytes(file), attachment.sha256());
        assertEquals(Sha256.ofBytes(file), Sha256.ofFile(attachment.path()));

        HttpResponse<byte[]> download = client.send(HttpRequest.newBuilder(
                        URI.create(attachmentJson.path("data_url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(302, download.statusCode());
        HttpResponse<byte[]> redirected = client.send(HttpRequest.newBuilder(URI.create(chatwoot.baseUrl())
                .resolve(download.headers().firstValue("Location").orElseThrow())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(file, redirected.body());
    }

    @Test
    void attachmentsKeepOrderAndNames() throws Exception {
        long contactId = createContact("5511900000008@s.whatsapp.net", null).path("payload").path("contact")
                .path("id").asLong();
        createConversation(contactId);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeField(body, "message_type", "incoming");
        writeFile(body, "form-data; name=\"attachments[]\"; filename=\"foto.jpg\"", "image/jpeg", new byte[] {1, 2});
        writeFile(body, "form-data; name=\"file\"; filename=\"ignored.bin\"", "application/octet-stream",
                new byte[] {3});
        String plainNameFirst = "form-data; name=\"attachments[]\"; filename=\"nota.ogg\";"
                + " filename*=UTF-8''nota%20%C3%A1udio.ogg";
        writeFile(body, plainNameFirst, "audio/ogg; codecs=opus", new byte[] {4, 5, 6});
        body.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = postMultipart("/conversations/1/messages", body.toByteArray());

        assertEquals(200, response.statusCode(), response.body());
        JsonNode attachmentsJson = json(response).path("attachments");
        assertEquals("image", attachmentsJson.path(0).path("file_type").asText());
        assertEquals("audio", attachmentsJson.path(1).path("file_type").asText());
        List<ChatwootAttachment> attachments = chatwoot.awaitMessages(1, TIMEOUT).get(0).attachments();
        assertEquals(2, attachments.size());
        assertEquals("foto.jpg", attachments.get(0).fileName());
        assertEquals("nota áudio.ogg", attachments.get(1).fileName());
        assertEquals(3, attachments.get(1).sizeBytes());
        assertTrue(json(response).path("content").isNull());
    }

    @Test
    void sixteenAttachmentsRejectedAndDeleted() throws Exception {
        long contactId = createContact("5511900000009@s.whatsapp.net", null).path("payload").path("contact")
                .path("id").asLong();
        createConversation(contactId);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < 16; i++) {
            writeFile(body, "form-data; name=\"attachments[]\"; filename=\"f" + i + ".txt\"", "text/plain",
                    new byte[] {(byte) i});
        }
        body.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));

        HttpResponse<String> response = postMultipart("/conversations/1/messages", body.toByteArray());

        assertEquals(422, response.statusCode());
        assertTrue(json(response).path("error").asText().contains("Attachments"), response.body());
        Path uploadsDir = workDir.resolve("chatwoot").resolve("chatwoot-uploads");
        long deadlineNanos = System.nanoTime() + TIMEOUT.toNanos();
        while (fileCount(uploadsDir) > 0 && System.nanoTime() < deadlineNanos) {
            Thread.sleep(20);
        }
        assertEquals(0, fileCount(uploadsDir));
    }

    @Test
    void missingTokenRejected() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create(chatwootAccountUrl("/contacts/search?q=x"))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(401, response.statusCode());
        assertEquals("Invalid Access Token", json(response).path("error").asText());
        assertEquals(401, chatwoot.requests().get(0).status());
    }

    @Test
    void wrongTypedFieldReportedAsViolation() throws Exception {
        HttpResponse<String> tolerated = postJson(chatwootAccountUrl("/contacts"),
                "{\"name\":\"sem inbox\",\"identifier\":\"tolerated@s.whatsapp.net\"}");
        assertEquals(200, tolerated.statusCode(), tolerated.body());
        assertEquals(List.of(), chatwoot.contractViolations());

        HttpResponse<String> response = postJson(chatwootAccountUrl("/contacts"),
                "{\"inbox_id\":{\"id\":7},\"name\":\"Cliente\"}");

        assertEquals(400, response.statusCode());
        assertTrue(json(response).path("error").asText().startsWith("contract violation: "), response.body());
        List<ContractViolation> violations = chatwoot.contractViolations();
        assertEquals(1, violations.size());
        assertEquals("contactCreate", violations.get(0).operationId());
        assertTrue(violations.get(0).messages().get(0).contains("/inbox_id"), violations.toString());
    }

    @Test
    void undeclaredFieldReportedButSourceIdTolerated() throws Exception {
        long contactId = createContact("5511900000003@s.whatsapp.net", null).path("payload").path("contact")
                .path("id").asLong();
        createConversation(contactId);

        HttpResponse<String> response = postJson(chatwootAccountUrl("/conversations/1/messages"),
                "{\"message_type\":\"incoming\",\"source_id\":\"WAID:A\",\"sourceId\":\"WAID:A\"}");

        assertEquals(400, response.statusCode());
        List<ContractViolation> violations = chatwoot.contractViolations();
        assertEquals(1, violations.size());
        String violation = violations.get(0).messages().get(0);
        assertTrue(violation.contains("sourceId"), violation);
        assertFalse(violation.contains("\"source_id\""), violation);
    }

    @Test
    void invalidInputsRejectedLikeChatwoot() throws Exception {
        createContact("5511900000004@s.whatsapp.net", "+5511900000004");

        HttpResponse<String> blankSearch = get(chatwootAccountUrl("/contacts/search?q=%20"));
        HttpResponse<String> badPhone = postJson(chatwootAccountUrl("/contacts"),
                "{\"inbox_id\":7,\"name\":\"x\",\"phone_number\":\"5511900000005\"}");
        HttpResponse<String> duplicate = postJson(chatwootAccountUrl("/contacts"),
                "{\"inbox_id\":7,\"name\":\"x\",\"identifier\":\"5511900000004@s.whatsapp.net\"}");
        HttpResponse<String> unknownContact = postJson(chatwootAccountUrl("/conversations"),
                "{\"inbox_id\":7,\"contact_id\":999}");

        assertEquals(422, blankSearch.statusCode());
        assertEquals("Specify search string with parameter q", json(blankSearch).path("error").asText());
        assertEquals(422, badPhone.statusCode());
        assertEquals("phone_number", json(badPhone).path("attributes").path(0).asText());
        assertEquals(422, duplicate.statusCode());
        assertEquals("identifier", json(duplicate).path("attributes").path(0).asText());
        assertEquals(422, unknownContact.statusCode());
        assertTrue(json(unknownContact).has("error"));
    }

    @Test
    void messageTypeOutsideIncomingOutgoingRejected() throws Exception {
        long contactId = createContact("5511900000006@s.whatsapp.net", null).path("payload").path("contact")
                .path("id").asLong();
        createConversation(contactId);

        HttpResponse<String> response = postMultipart("/conversations/1/messages", multipartFieldsOnly("template"));

        assertEquals(422, response.statusCode());
        assertTrue(json(response).path("error").asText().contains("message_type"), response.body());
        assertEquals(List.of(), chatwoot.messages());
    }

    @Test
    void injectedFailuresPrecedeSuccess() throws Exception {
        chatwoot.failNext("POST", "/contacts$", 503, 2);

        HttpResponse<String> first = postJson(chatwootAccountUrl("/contacts"), "{\"inbox_id\":7,\"name\":\"a\"}");
        HttpResponse<String> second = postJson(chatwootAccountUrl("/contacts"), "{\"inbox_id\":7,\"name\":\"a\"}");
        HttpResponse<String> third = postJson(chatwootAccountUrl("/contacts"), "{\"inbox_id\":7,\"name\":\"a\"}");

        assertEquals(503, first.statusCode());
        assertEquals(503, second.statusCode());
        assertEquals(200, third.statusCode(), third.body());
        assertEquals(1, chatwoot.contacts().size());
        assertEquals(List.of(503, 503, 200), chatwoot.requests().stream().map(RecordedRequest::status).toList());
    }

    @Test
    void delayedResponseArrivesLate() throws Exception {
        Duration delay = Duration.ofMillis(300);
        chatwoot.delayNext("/contacts/search$", delay);

        long startNanos = System.nanoTime();
        HttpResponse<String> response = get(chatwootAccountUrl("/contacts/search?q=nobody"));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);

        assertEquals(200, response.statusCode());
        assertTrue(elapsed.compareTo(delay) >= 0, "response arrived after " + elapsed.toMillis() + " ms");
        assertEquals(0, json(response).path("meta").path("count").asInt());
    }

    @Test
    void messageListReturnsNewestTwenty() throws Exception {
        long contactId = createContact("5511900000007@s.whatsapp.net", null).path("payload").path("contact")
                .path("id").asLong();
        createConversation(contactId);
        for (int i = 1; i <= 25; i++) {
            HttpResponse<String> posted = postJson(chatwootAccountUrl("/conversations/1/messages"),
                    "{\"content\":\"m" + i + "\",\"message_type\":\"incoming\",\"source_id\":\"WAID:" + i + "\"}");
            assertEquals(200, posted.statusCode(), posted.body());
        }

        JsonNode latest = json(get(chatwootAccountUrl("/conversations/1/messages"))).path("payload");
        JsonNode older = json(get(chatwootAccountUrl("/conversations/1/messages?before="
                + latest.path(0).path("id").asLong()))).path("payload");

        assertEquals(20, latest.size());
        assertEquals("WAID:6", latest.path(0).path("source_id").asText());
        assertEquals("WAID:25", latest.path(19).path("source_id").asText());
        assertEquals(5, older.size());
        assertEquals("WAID:1", older.path(0).path("source_id").asText());
    }

    @Test
    void awaitMessagesFailureListsRequests() {
        AssertionError error = assertThrows(AssertionError.class,
                () -> chatwoot.awaitMessages(1, Duration.ofMillis(100)));

        assertTrue(error.getMessage().contains("but 0 arrived"), error.getMessage());
    }

    @Test
    void base64OfRegisteredMediaMatchesFile() throws Exception {
        byte[] media = randomBytes(5 * 1024 * 1024, 5);
        Path file = Files.write(workDir.resolve("video.mp4"), media);
        evolution.registerMedia("3EB0MEDIA5MIB", file, "video/mp4", "clip.mp4");

        HttpResponse<String> response = postEvolution("/chat/getBase64FromMediaMessage/" + INSTANCE,
                "{\"message\":{\"key\":{\"id\":\"3EB0MEDIA5MIB\"}},\"convertToMp4\":false}");

        assertEquals(201, response.statusCode());
        JsonNode body = json(response);
        assertEquals("videoMessage", body.path("mediaType").asText());
        assertEquals("clip.mp4", body.path("fileName").asText());
        assertEquals("video/mp4", body.path("mimetype").asText());
        assertEquals(media.length, body.path("size").path("fileLength").path("low").asLong());
        assertTrue(body.path("buffer").isNull());
        byte[] decoded = Base64.getDecoder().decode(body.path("base64").asText());
        assertEquals(Sha256.ofBytes(media), Sha256.ofBytes(decoded));
        JsonNode recordedRequest = evolution.base64Requests().get(0);
        assertEquals("3EB0MEDIA5MIB", recordedRequest.path("message").path("key").path("id").asText());
    }

    @Test
    void unknownMediaIdAndMissingApiKeyRejected() throws Exception {
        HttpResponse<String> unknown = postEvolution("/chat/getBase64FromMediaMessage/" + INSTANCE,
                "{\"message\":{\"key\":{\"id\":\"NOPE\"}},\"convertToMp4\":false}");
        HttpResponse<String> noKey = client.send(HttpRequest.newBuilder(
                        URI.create(evolution.baseUrl() + "/chat/getBase64FromMediaMessage/" + INSTANCE))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(400, unknown.statusCode());
        assertEquals("Message not found", json(unknown).path("response").path("message").path(0).asText());
        assertEquals(401, noKey.statusCode());
        assertEquals("Unauthorized", json(noKey).path("response").path("message").asText());
    }

    @Test
    void presignedUrlServedOnlyVerbatim() throws Exception {
        byte[] media = randomBytes(300_000, 3);
        Path file = Files.write(workDir.resolve("doc.pdf"), media);
        String rawPath = "/media/evolution-api/inst/5511900000001%40s.whatsapp.net/documentMessage/"
                + "1_doc%20final.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=KEY%2F20250115%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Signature=abc123";
        evolution.serveFile(rawPath, file, "application/pdf");

        HttpResponse<byte[]> verbatim = client.send(HttpRequest.newBuilder(URI.create(evolution.mediaUrl(rawPath)))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> reencoded = client.send(HttpRequest.newBuilder(URI.create(
                        evolution.mediaUrl(rawPath.replace("%2F", "%252F")))).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(200, verbatim.statusCode());
        assertArrayEquals(media, verbatim.body());
        assertEquals(403, reencoded.statusCode());
        assertEquals(rawPath, evolution.requests().get(0).rawUri());
    }

    @Test
    void base64ChunksMatchWholeEncoding() {
        byte[] data = randomBytes(1000, 9);
        Base64JsonResponse.Base64Chunks encoder = new Base64JsonResponse.Base64Chunks();
        StringBuilder encoded = new StringBuilder();
        int[] chunkSizes = {1, 2, 0, 5, 4, 100, 7, 881};

        int offset = 0;
        for (int size : chunkSizes) {
            Buffer chunk = Buffer.buffer(Arrays.copyOfRange(data, offset, offset + size));
            encoded.append(encoder.encode(chunk).toString(StandardCharsets.US_ASCII));
            offset += size;
        }
        encoded.append(encoder.finish().toString(StandardCharsets.US_ASCII));

        assertEquals(data.length, offset);
        assertEquals(Base64.getEncoder().encodeToString(data), encoded.toString());
    }

    private JsonNode createContact(String identifier, String phoneNumber) throws Exception {
        String phone = phoneNumber == null ? "" : ",\"phone_number\":\"" + phoneNumber + "\"";
        HttpResponse<String> response = postJson(chatwootAccountUrl("/contacts"), "{\"inbox_id\":" + INBOX_ID
                + ",\"name\":\"Cliente Exemplo\",\"identifier\":\"" + identifier + "\"" + phone + "}");
        assertEquals(200, response.statusCode(), response.body());
        return json(response);
    }

    private HttpResponse<String> createConversation(long contactId) throws Exception {
        return postJson(chatwootAccountUrl("/conversations"),
                "{\"inbox_id\":" + INBOX_ID + ",\"contact_id\":" + contactId + "}");
    }

    private String chatwootAccountUrl(String pathInAccount) {
        return chatwoot.baseUrl() + "/api/v1/accounts/" + ACCOUNT_ID + pathInAccount;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url))
                .header(ChatwootStandIn.TOKEN_HEADER, CHATWOOT_TOKEN)
                .GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postJson(String url, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url))
                .header(ChatwootStandIn.TOKEN_HEADER, CHATWOOT_TOKEN)
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postEvolution(String path, String json) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(evolution.baseUrl() + path))
                .header(EvolutionStandIn.API_KEY_HEADER, EVOLUTION_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        JsonNode parsed = StandInJson.MAPPER.readTree(response.body());
        assertNotNull(parsed, "empty response body");
        return parsed;
    }

    private static byte[] multipartBody(String fileDisposition, String fileContentType, byte[] file)
            throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeField(body, "content", "segue a arte");
        writeField(body, "message_type", "incoming");
        writeField(body, "private", "false");
        writeField(body, "source_id", "WAID:MULTI1");
        writeField(body, "content_attributes", "{\"in_reply_to_external_id\":\"Q1\"}");
        writeFile(body, fileDisposition, fileContentType, file);
        body.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private HttpResponse<String> postMultipart(String pathInAccount, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(chatwootAccountUrl(pathInAccount)))
                .header(ChatwootStandIn.TOKEN_HEADER, CHATWOOT_TOKEN)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long fileCount(Path directory) throws IOException {
        try (var files = Files.list(directory)) {
            return files.count();
        }
    }

    private static void writeFile(ByteArrayOutputStream body, String disposition, String contentType, byte[] file)
            throws IOException {
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: " + disposition + "\r\nContent-Type: " + contentType
                + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(file);
        body.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] multipartFieldsOnly(String messageType) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeField(body, "content", "x");
        writeField(body, "message_type", messageType);
        body.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    private static void writeField(ByteArrayOutputStream body, String name, String value) throws IOException {
        body.write(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] randomBytes(int count, long seed) {
        byte[] bytes = new byte[count];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
