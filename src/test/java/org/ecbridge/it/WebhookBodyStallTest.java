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
 * Webhooks whose body stops arriving: a stalled body gets 503 after the idle timeout, and neither a stalled body nor
 * one whose client closes the connection leaves a file in the spool or in the staging area's {@code tmp/}.
 */
@Timeout(120)
class WebhookBodyStallTest {

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
    void tricklingBodyGets503AfterGrace() throws Exception {
        try (Socket socket = openWebhook()) {
            OutputStream out = socket.getOutputStream();
            out.write(envelopeStart("trickle-1"));
            out.flush();
            long startMillis = System.currentTimeMillis();
            // One byte every 200 ms never trips the 1 s idle timeout, but stays far under the minimum rate.
            String response = null;
            while (response == null && System.currentTimeMillis() - startMillis < 30_000) {
                try {
                    out.write('A');
                    out.flush();
                } catch (IOException closed) {
                    break;
                }
                Thread.sleep(200);
                if (socket.getInputStream().available() > 0) {
                    response = readResponse(socket);
                }
            }
            if (response == null) {
                response = readResponse(socket);
            }
            long waitedMillis = System.currentTimeMillis() - startMillis;

            assertTrue(response.startsWith("HTTP/1.1 503"), response);
            assertTrue(response.contains("min-body-bytes-per-second"), response);
            assertTrue(waitedMillis < 15_000, "answered after " + waitedMillis + " ms");
        }
        assertEquals(List.of(), awaitNoFilesIn("staging/tmp"));
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
