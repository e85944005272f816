package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.ecbridge.testsupport.BridgeProcess;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.GeneratedWebhook;
import org.ecbridge.testsupport.KubernetesManifests;
import org.ecbridge.testsupport.ManagementClient;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the resident memory of a bridge process started as the container starts it ({@code -Xmx128m}) under a
 * small load, and checks it against the memory limit of the Deployment in {@code k8s/}.
 */
class MemoryFootprintTest {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryFootprintTest.class);
    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int SMALL_WEBHOOKS = 30;
    private static final int DOCUMENTS = 4;
    private static final long DOCUMENT_BYTES = 8L << 20;

    @TempDir
    Path tempDir;

    @Test
    void residentMemoryStaysUnderDeploymentLimit() throws Exception {
        long limitBytes = KubernetesManifests.bridgeMemoryLimitBytes();
        List<String> jvmOptions = KubernetesManifests.bridgeJavaOptions();
        try (ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")),
                CHATWOOT_TOKEN).addInbox(7, "WhatsApp").start();
                BridgeProcess bridge = BridgeProcess.start(jvmOptions, EmbeddedBridge.defaults(
                        tempDir.resolve("data"), chatwoot.baseUrl(), CHATWOOT_TOKEN), TIMEOUT)) {
            long startedRss = bridge.residentBytes();

            sendLoad(new WebhookClient(bridge.webhookUrl()));
            chatwoot.awaitMessages(SMALL_WEBHOOKS + DOCUMENTS, TIMEOUT);
            new ManagementClient(bridge.managementPort()).get("/observe/metrics");
            long peakRss = bridge.peakResidentBytes();
            LOG.info("Bridge RSS with {}: {} MiB after start, peak {} MiB under load, limit {} MiB", jvmOptions,
                    startedRss >> 20, peakRss >> 20, limitBytes >> 20);

            assertTrue(peakRss > 0, "VmHWM of the bridge process is readable in /proc");
            assertTrue(peakRss < limitBytes, "peak RSS " + (peakRss >> 20) + " MiB must stay under the "
                    + "Deployment's memory limit of " + (limitBytes >> 20) + " MiB");
            assertTrue(bridge.isAlive(), bridge.log());
        }
    }

    private static void sendLoad(WebhookClient webhooks) throws Exception {
        String image = WebhookToChatwootTest.fixture("messages-upsert-image-base64.json");
        for (int i = 0; i < SMALL_WEBHOOKS; i++) {
            HttpResponse<String> response = webhooks.post(image.replace("A1B2C3D4E5F60718293A4B5C6D7E8F90",
                    String.format("A1B2C3D4E5F60718293A4B5C6D7E%04d", i)));
            assertEquals(200, response.statusCode(), response.body());
        }
        ExecutorService senders = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<HttpResponse<String>>> documents = new ArrayList<>();
            for (int i = 0; i < DOCUMENTS; i++) {
                GeneratedWebhook document = new GeneratedWebhook("3EB0D0C0000000000000" + i, "file-" + i + ".bin",
                        "application/octet-stream", DOCUMENT_BYTES, i);
                documents.add(CompletableFuture.supplyAsync(() -> post(webhooks, document), senders));
            }
            for (CompletableFuture<HttpResponse<String>> document : documents) {
                assertEquals(200, document.get().statusCode(), document.get().body());
            }
        } finally {
            senders.shutdown();
        }
    }

    private static HttpResponse<String> post(WebhookClient webhooks, GeneratedWebhook document) {
        try {
            return webhooks.postStream(document::body, document.bodyBytes(), TIMEOUT);
        } catch (Exception e) {
            throw new IllegalStateException("posting document " + document + " failed", e);
        }
    }
}
