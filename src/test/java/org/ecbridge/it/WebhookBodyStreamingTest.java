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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks that fail while their body is still arriving, which the bridge parses as it receives it: the response
 * comes before the client has sent the rest, and no decoded media stays in the staging area's {@code tmp/}.
 */
@Timeout(120)
class WebhookBodyStreamingTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final long IDLE_TIMEOUT_MILLIS = 1000;
    private static final long DECLARED_BODY_BYTES = 256L << 20;

    @TempDir
    static Path tempDir;

    private static ChatwootStandIn chatwoot;
    private static EmbeddedBridge bridge;

    @BeforeAll
    static void startBridge() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.webhook.max-body-bytes", Long.toString(DECLARED_BODY_BYTES));
        properties.put("bridge.webhook.body-idle-timeout-millis", Long.toString(IDLE_TIMEOUT_MILLIS));
        bridge = EmbeddedBridge.start(properties);
    }

    @AfterAll
    static void stopBridge() throws Exception {
        bridge.close();
        chatwoot.close();
    }

    @AfterEach
    void bridgeStillAcceptsWebhooks() throws Exception {
        HttpResponse<String> response = new WebhookClient(bridge.webhookUrl())
                .post(WebhookToChatwootTest.fixture("messages-upsert-text.json")
                        .replace("3A5F0C1B2D3E4F5A6B7C", "after-" + System.nanoTime()));

        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    void invalidBase64MidBodyGets422BeforeRest() throws Exception {
        try (Socket socket = openWebhook()) {
            OutputStream out = socket.getOutputStream();
            out.write(envelopeStart("bad-base64-1"));
            out.write(base64Run(1 << 20));
            out.write('*');
            long sentBytes = writeUntilClosed(out);
            String response = readResponse(socket);

            assertTrue(response.startsWith("HTTP/1.1 422"), response);
            assertTrue(response.contains("invalid-base64"), response);
            assertTrue(response.toLowerCase().contains("connection: close"), response);
            assertTrue(sentBytes < DECLARED_BODY_BYTES / 2, "client sent " + sentBytes + " bytes of the remainder");
        }
        assertEquals(List.of(), filesIn("staging/tmp"));
        assertEquals(List.of(), awaitNoFilesIn("spool"));
    }

    @Test
    void malformedJsonMidBodyGets422WithParserMessage() throws Exception {
        try (Socket socket = openWebhook()) {
            OutputStream out = socket.getOutputStream();
            out.write("{\"event\":\"messages.upsert\",\"instance\":\"stream\",\"data\":{\"key\":}"
                    .getBytes(StandardCharsets.US_ASCII));
            writeUntilClosed(out);
            String response = readResponse(socket);

            assertTrue(response.startsWith("HTTP/1.1 422"), response);
            assertTrue(response.contains("malformed-json"), response);
            assertTrue(response.contains("not valid JSON"), response);
        }
    }

    @Test
    void stalledBodyGets503AndLeavesNoFile() throws Exception {
        try (Socket socket = openWebhook()) {
            OutputStream out = socket.getOutputStream();
            out.write(envelopeStart("stalled-1"));
            out.write(base64Run(256 << 10));
            out.flush();
            long startMillis = System.currentTimeMillis();
            String response = readResponse(socket);
            long waitedMillis = System.currentTimeMillis() - startMillis;

            assertTrue(response.startsWith("HTTP/1.1 503"), response);
            assertTrue(response.contains("body-idle-timeout-millis"), response);
            assertTrue(response.contains("Retry-After"), response);
            assertTrue(waitedMillis >= IDLE_TIMEOUT_MILLIS - 100, "answered after " + waitedMillis + " ms");
        }
        assertEquals(List.of(), filesIn("staging/tmp"));
        assertEquals(List.of(), awaitNoFilesIn("spool"));
    }

    @Test
    void clientClosingMidBodyLeavesNoFile() throws Exception {
        try (Socket socket = openWebhook()) {
            OutputStream out = socket.getOutputStream();
            out.write(envelopeStart("closed-1"));
            out.write(base64Run(4 << 20));
            out.flush();
        }
        assertEquals(List.of(), awaitNoFilesIn("staging/tmp"));
        assertEquals(List.of(), awaitNoFilesIn("spool"));
    }

    private static Socket openWebhook() throws IOException {
        URI uri = URI.create(bridge.webhookUrl());
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(15_000);
        socket.getOutputStream().write(("POST /webhook/evolution HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nX-Bridge-Token: " + EmbeddedBridge.WEBHOOK_TOKEN + "\r\n"
                + "Content-Length: " + DECLARED_BODY_BYTES + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Returns a messages.upsert envelope up to the opening quote of {@code data.message.base64}. */
    private static byte[] envelopeStart(String messageId) {
        return ("{\"event\":\"messages.upsert\",\"instance\":\"stream\",\"data\":{\"key\":{\"remoteJid\":"
                + "\"5511900000001@s.whatsapp.net\",\"fromMe\":false,\"id\":\"" + messageId + "\"},"
                + "\"messageType\":\"documentMessage\",\"message\":{\"documentMessage\":{\"mimetype\":"
                + "\"application/pdf\",\"fileName\":\"a.pdf\"},\"base64\":\"").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] base64Run(int length) {
        byte[] run = new byte[length];
        Arrays.fill(run, (byte) 'A');
        return run;
    }

    /** Writes base64 characters until the bridge closes the connection or half the declared length is sent. */
    private static long writeUntilClosed(OutputStream out) {
        byte[] chunk = base64Run(64 << 10);
        long sentBytes = 0;
        try {
            while (sentBytes < DECLARED_BODY_BYTES / 2) {
                out.write(chunk);
                sentBytes += chunk.length;
            }
            out.flush();
        } catch (IOException closedByBridge) {
            // The bridge closes the connection after its response, which is still readable.
        }
        return sentBytes;
    }

    private static String readResponse(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
    }

    /** Returns the files left in the data folder's {@code folder} once it is empty or 10 s have passed. */
    private static List<Path> awaitNoFilesIn(String folder) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!filesIn(folder).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        return filesIn(folder);
    }

    private static List<Path> filesIn(String folder) throws IOException {
        Path dir = bridge.dataDir().resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            // The spool folder keeps its owner lock, .owner.lock, for as long as the bridge runs.
            return files.filter(Files::isRegularFile)
                    .filter(file -> !file.getFileName().toString().startsWith("."))
                    .toList();
        }
    }
}
