package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.ecbridge.testsupport.BridgeProcess;
import org.ecbridge.testsupport.ChatwootAttachment;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.GeneratedWebhook;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relays a 256 MiB file inside a base64 webhook (a 342 MiB JSON body) through a bridge whose JVM has a 64 MiB
 * heap. The body is generated as a stream and the file's SHA-256 is compared at the Chatwoot end.
 */
class LargeWebhookSmallHeapTest {

    private static final long FILE_BYTES = 256L * 1024 * 1024;
    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";

    @TempDir
    Path tempDir;

    @Test
    void file256MiBRelaysThrough64MiBHeap() throws Exception {
        GeneratedWebhook webhook = new GeneratedWebhook("3EB0LARGE256MIB", "arte_final.psd",
                "image/vnd.adobe.photoshop", FILE_BYTES, 42);
        try (ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")),
                CHATWOOT_TOKEN).addInbox(7, "WhatsApp").start()) {
            Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                    CHATWOOT_TOKEN);
            // The file must travel as a multipart attachment, the path that streams it from the staged file.
            properties.put("bridge.chatwoot.max-attachment-bytes", Long.toString(FILE_BYTES));
            try (BridgeProcess bridge = BridgeProcess.start(List.of("-Xmx64m"), properties, Duration.ofSeconds(60))) {
                HttpResponse<String> response = new WebhookClient(bridge.webhookUrl())
                        .postStream(webhook::body, webhook.bodyBytes(), Duration.ofMinutes(3));
                List<ChatwootMessage> messages = chatwoot.awaitMessages(1, Duration.ofMinutes(3));

                assertEquals(200, response.statusCode(), response.body());
                ChatwootAttachment attachment = messages.get(0).attachments().get(0);
                assertEquals(FILE_BYTES, attachment.sizeBytes());
                assertEquals(webhook.fileSha256(), attachment.sha256(), "file bytes at the Chatwoot end");
                assertTrue(bridge.isAlive(), "bridge still running");
                String log = bridge.log();
                assertFalse(log.contains("OutOfMemoryError"), "bridge ran out of memory:\n" + log);
                System.out.printf("Peak RSS of the bridge with -Xmx64m for a %d MiB file: %d MiB%n",
                        FILE_BYTES >> 20, bridge.peakResidentBytes() >> 20);
            }
        }
    }
}
