package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status codes and JSON errors the webhook route answers EvolutionAPI with, for each kind of bad input. */
class WebhookResponseTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String JWT_KEY = "evolution-jwt-key";
    private static final long MAX_BODY_BYTES = 64 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path tempDir;

    private static ChatwootStandIn chatwoot;
    private static EmbeddedBridge bridge;
    private static WebhookClient webhooks;

    @BeforeAll
    static void startBridge() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.webhook.jwt-key", JWT_KEY);
        properties.put("bridge.webhook.max-body-bytes", Long.toString(MAX_BODY_BYTES));
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    @AfterAll
    static void stopBridge() throws Exception {
        bridge.close();
        chatwoot.close();
    }

    @Test
    void missingCredentialsGet401() throws Exception {
        HttpResponse<String> response = webhooks.post("", text("auth-1"));

        assertError(response, 401, "unauthorized");
    }

    @Test
    void wrongTokenGets401() throws Exception {
        HttpResponse<String> response = webhooks.post("", text("auth-2"), "X-Bridge-Token", "wrong");

        assertError(response, 401, "unauthorized");
    }

    @Test
    void tokenInPathIsAcceptedForGlobalWebhook() throws Exception {
        HttpResponse<String> response = webhooks.post("/token/" + EmbeddedBridge.WEBHOOK_TOKEN, text("auth-3"));

        assertStatus(response, 200, "accepted");
    }

    @Test
    void tokenInPathWithByEventsSuffixIsAccepted() throws Exception {
        HttpResponse<String> response = webhooks.post("/token/" + EmbeddedBridge.WEBHOOK_TOKEN
                + "/messages-upsert", text("auth-4"));

        assertStatus(response, 200, "accepted");
    }

    @Test
    void tokenInQueryIsAccepted() throws Exception {
        HttpResponse<String> response = webhooks.post("?token=" + EmbeddedBridge.WEBHOOK_TOKEN, text("auth-5"));

        assertStatus(response, 200, "accepted");
    }

    @Test
    void bearerTokenIsAccepted() throws Exception {
        HttpResponse<String> response = webhooks.post("/messages-upsert", text("auth-6"), "Authorization",
                "Bearer " + EmbeddedBridge.WEBHOOK_TOKEN);

        assertStatus(response, 200, "accepted");
    }

    @Test
    void validJwtIsAccepted() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String jwt = jwt(JWT_KEY, "HS256", now, now + 600);

        HttpResponse<String> response = webhooks.post("", text("auth-7"), "Authorization", "Bearer " + jwt);

        assertStatus(response, 200, "accepted");
    }

    @Test
    void expiredJwtGets401() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String jwt = jwt(JWT_KEY, "HS256", now - 1200, now - 600);

        HttpResponse<String> response = webhooks.post("", text("auth-8"), "Authorization", "Bearer " + jwt);

        assertError(response, 401, "unauthorized");
        assertTrue(response.body().contains("expired"), response.body());
    }

    @Test
    void jwtWithFarExpiryGets401() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String jwt = jwt(JWT_KEY, "HS256", now, now + 1_000_000_000L);

        HttpResponse<String> response = webhooks.post("", text("auth-12"), "Authorization", "Bearer " + jwt);

        assertError(response, 401, "unauthorized");
    }

    @Test
    void jwtSignedWithAnotherKeyGets401() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String jwt = jwt("another-key", "HS256", now, now + 600);

        HttpResponse<String> response = webhooks.post("", text("auth-9"), "Authorization", "Bearer " + jwt);

        assertError(response, 401, "unauthorized");
    }

    @Test
    void unsignedJwtGets401() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String header = base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        String payload = base64Url("{\"iat\":" + now + ",\"exp\":" + (now + 600) + "}");

        HttpResponse<String> response = webhooks.post("", text("auth-10"), "Authorization",
                "Bearer " + header + "." + payload + ".");

        assertError(response, 401, "unauthorized");
    }

    @Test
    void malformedJsonGets422() throws Exception {
        HttpResponse<String> response = webhooks.post("{\"event\":\"messages.upsert\",\"data\":{\"key\":");

        assertError(response, 422, "malformed-json");
    }

    @Test
    void invalidBase64Gets422() throws Exception {
        String body = WebhookToChatwootTest.fixture("messages-upsert-image-base64.json")
                .replaceFirst("\"base64\": *\"/9j/", "\"base64\": \"/9j/*!");

        HttpResponse<String> response = webhooks.post(body);

        assertError(response, 422, "invalid-base64");
    }

    @Test
    void messageWithoutIdGets422() throws Exception {
        String body = text("ignored").replace("\"id\": \"ignored\"", "\"idx\": \"ignored\"");

        HttpResponse<String> response = webhooks.post(body);

        assertError(response, 422, "missing-field");
    }

    @Test
    void unknownPathGets404() throws Exception {
        HttpResponse<String> response = webhooks.post("/messages-upsert/extra", text("auth-11"), "X-Bridge-Token",
                EmbeddedBridge.WEBHOOK_TOKEN);

        assertError(response, 404, "not-found");
    }

    @Test
    void bodyOverLimitWithContentLengthGets422() throws Exception {
        String body = text("big-1").replace("Olá!", "x".repeat((int) MAX_BODY_BYTES));

        HttpResponse<String> response = webhooks.post(body);

        assertError(response, 422, "body-too-large");
    }

    @Test
    void chunkedBodyOverLimitIsCutOffWith422() throws Exception {
        URI uri = URI.create(bridge.webhookUrl());
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhook/evolution HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "X-Bridge-Token: " + EmbeddedBridge.WEBHOOK_TOKEN + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // A JSON string that never ends keeps the body valid up to the limit, which is then what rejects it.
            String response = writeChunksUntilAnswered(out, "{\"pad\":\"", socket);

            assertTrue(response.startsWith("HTTP/1.1 422"), response);
            assertTrue(response.contains("body-too-large"), response);
        }
    }

    @Test
    void chunkedMediaOverLimitLeavesNoFile() throws Exception {
        URI uri = URI.create(bridge.webhookUrl());
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhook/evolution HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "X-Bridge-Token: " + EmbeddedBridge.WEBHOOK_TOKEN + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String envelope = "{\"event\":\"messages.upsert\",\"instance\":\"limit\",\"data\":{\"key\":{"
                    + "\"remoteJid\":\"5511900000001@s.whatsapp.net\",\"fromMe\":false,\"id\":\"limit-media-1\"},"
                    + "\"message\":{\"documentMessage\":{\"fileName\":\"a.pdf\"},\"base64\":\"";
            String response = writeChunksUntilAnswered(out, envelope, socket);

            assertTrue(response.startsWith("HTTP/1.1 422"), response);
            assertTrue(response.contains("body-too-large"), response);
        }
        try (var files = Files.list(bridge.dataDir().resolve("staging/tmp"))) {
            assertEquals(List.of(), files.toList(), "decoded media left in staging/tmp");
        }
    }

    @Test
    void diskQuotaReachedGets503WithRetryAfter() throws Exception {
        Path filler = Files.createDirectories(tempDir.resolve("full/staging/media")).resolve("earlier.media");
        Files.write(filler, new byte[200_000]);
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("full"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.disk.staging-quota-bytes", "100000");
        try (EmbeddedBridge full = EmbeddedBridge.start(properties)) {
            HttpResponse<String> response = new WebhookClient(full.webhookUrl()).post(text("quota-1"));

            assertError(response, 503, "busy");
            assertEquals("30", response.headers().firstValue("Retry-After").orElse(null));
            assertTrue(response.body().contains("bridge.disk.staging-quota-bytes"), response.body());
        }
    }

    @Test
    void bodyLargerThanQuotaGets422() throws Exception {
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("small"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.disk.staging-quota-bytes", "100");
        try (EmbeddedBridge small = EmbeddedBridge.start(properties)) {
            HttpResponse<String> response = new WebhookClient(small.webhookUrl()).post(text("quota-2"));

            assertError(response, 422, "body-too-large");
            assertTrue(response.body().contains("can never be accepted"), response.body());
        }
    }

    /** Sends {@code bodyStart}, then chunks of base64 letters until the bridge responds, and returns the response. */
    private static String writeChunksUntilAnswered(OutputStream out, String bodyStart, Socket socket)
            throws IOException {
        byte[] start = bodyStart.getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = "y".repeat(8000).getBytes(StandardCharsets.US_ASCII);
        long sentBytes = 0;
        try {
            out.write((Integer.toHexString(start.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(start);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            while (sentBytes < MAX_BODY_BYTES * 4) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                sentBytes += chunk.length;
            }
        } catch (IOException closedByBridge) {
            // The bridge closes the connection after its answer; the answer is still readable.
        }
        InputStream in = socket.getInputStream();
        return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
    }

    private static String text(String messageId) throws IOException {
        return WebhookToChatwootTest.fixture("messages-upsert-text.json").replace("3A5F0C1B2D3E4F5A6B7C", messageId);
    }

    private static void assertStatus(HttpResponse<String> response, int status, String outcome) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(outcome, MAPPER.readTree(response.body()).path("status").asText(), response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String error) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = MAPPER.readTree(response.body());
        assertEquals(error, body.path("error").asText(), response.body());
        assertTrue(body.path("message").asText().length() > 10, "error needs an explanation: " + response.body());
    }

    private static String jwt(String key, String algorithm, long issuedAt, long expiresAt) throws Exception {
        String header = base64Url("{\"alg\":\"" + algorithm + "\",\"typ\":\"JWT\"}");
        String payload = base64Url("{\"iat\":" + issuedAt + ",\"exp\":" + expiresAt
                + ",\"app\":\"evolution\",\"action\":\"webhook\"}");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] signature = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
        return header + "." + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
