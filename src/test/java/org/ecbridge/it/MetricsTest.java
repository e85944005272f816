package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.ManagementClient;
import org.ecbridge.testsupport.PrometheusScrape;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scrapes the Prometheus endpoint on the management port before and after real webhooks and deliveries. */
class MetricsTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Map<String, String> ACCEPTED = Map.of("outcome", "accepted", "event", "messages.upsert",
            "status", "200");
    private static final Map<String, String> DELIVERED = Map.of("outcome", "delivered");

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EmbeddedBridge bridge;
    private ManagementClient management;
    private WebhookClient webhooks;

    @BeforeEach
    void startServers() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        bridge = EmbeddedBridge.start(EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN));
        management = new ManagementClient(bridge.managementPort());
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    @AfterEach
    void stopServers() throws Exception {
        bridge.close();
        chatwoot.close();
    }

    @Test
    void webhookAndDeliveryMoveTheMeters() throws Exception {
        String image = WebhookToChatwootTest.fixture("messages-upsert-image-base64.json");
        PrometheusScrape before = scrape();

        HttpResponse<String> response = webhooks.post(image);
        ChatwootMessage delivered = chatwoot.awaitMessages(1, TIMEOUT).get(0);
        PrometheusScrape after = awaitScrape("bridge_deliveries_total", DELIVERED, 1);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(1, after.valueOrZero("bridge_webhooks_total", ACCEPTED)
                - before.valueOrZero("bridge_webhooks_total", ACCEPTED), after.toString());
        assertEquals(image.getBytes(StandardCharsets.UTF_8).length,
                after.valueOrZero("bridge_webhook_body_bytes_total", Map.of("outcome", "accepted")), 0.5);
        assertEquals(delivered.attachments().get(0).sizeBytes(),
                after.valueOrZero("bridge_delivery_media_bytes_total", DELIVERED), 0.5);
        assertEquals(1, after.valueOrZero("bridge_delivery_duration_seconds_count", DELIVERED));
        assertTrue(after.valueOrZero("bridge_delivery_duration_seconds_sum", DELIVERED) > 0, after.toString());
        assertEquals(0, after.valueOrZero("bridge_bytes_in_flight_bytes", Map.of("direction", "delivery")));
        assertTrue(after.value("bridge_disk_used_bytes", Map.of("folder", "staging")).isPresent(), after.toString());
        assertTrue(after.value("bridge_disk_free_bytes", Map.of()).orElse(0) > 0, after.toString());
        // Camel's exchange event notifier times every call to the Chatwoot endpoint, tagged with its base URI.
        assertTrue(after.valueOrZero("camel_exchange_event_notifier_seconds_count", Map.of("endpointName",
                chatwoot.baseUrl(), "eventType", "ExchangeSentEvent")) >= 3, after.toString());
        assertTrue(after.valueOrZero("camel_exchanges_total", Map.of("routeId", "evolution-webhook"))
                > before.valueOrZero("camel_exchanges_total", Map.of("routeId", "evolution-webhook")),
                after.toString());
    }

    @Test
    void rejectedWebhookIsCountedByOutcome() throws Exception {
        HttpResponse<String> response = webhooks.post("", "{}", "X-Bridge-Token", "wrong-token");
        PrometheusScrape after = awaitScrape("bridge_webhooks_total", Map.of("status", "401"), 1);

        assertEquals(401, response.statusCode(), response.body());
        assertEquals(0, after.valueOrZero("bridge_webhooks_total", ACCEPTED), after.toString());
    }

    @Test
    void redeliveriesAndDeadLettersAreCounted() throws Exception {
        chatwoot.failNext("/messages$", 503, 2);
        webhooks.post(WebhookToChatwootTest.fixture("messages-upsert-text.json"));
        chatwoot.awaitMessages(1, TIMEOUT);
        PrometheusScrape redelivered = awaitScrape("bridge_delivery_redeliveries_total", Map.of(), 2);

        chatwoot.failNext("/messages$", 422, 1);
        webhooks.post(WebhookToChatwootTest.fixture("messages-upsert-group-quoted.json"));
        PrometheusScrape deadLettered = awaitScrape("bridge_dead_letters", Map.of(), 1);

        assertEquals(2, redelivered.valueOrZero("bridge_delivery_redeliveries_total", Map.of()),
                redelivered.toString());
        assertEquals(1, deadLettered.valueOrZero("bridge_deliveries_total", Map.of("outcome", "dead_letter")),
                deadLettered.toString());
    }

    @Test
    void readinessProbeRecordsChatwootLatency() throws Exception {
        management.awaitReady(TIMEOUT);

        PrometheusScrape after = scrape();

        assertTrue(after.valueOrZero("bridge_dependency_latency_seconds_count",
                Map.of("dependency", "chatwoot", "operation", "probe")) >= 1, after.toString());
    }

    private PrometheusScrape scrape() throws Exception {
        HttpResponse<String> response = management.get("/observe/metrics");
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                response.headers().toString());
        return PrometheusScrape.parse(response.body());
    }

    /** Scrapes until {@code name} with {@code labels} reaches at least {@code minimum}. */
    private PrometheusScrape awaitScrape(String name, Map<String, String> labels, double minimum) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        PrometheusScrape last = scrape();
        while (last.valueOrZero(name, labels) < minimum && System.nanoTime() < deadline) {
            Thread.sleep(100);
            last = scrape();
        }
        assertTrue(last.valueOrZero(name, labels) >= minimum, name + labels + " stayed under " + minimum + ":\n"
                + last);
        return last;
    }
}
