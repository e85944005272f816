package org.ecbridge.it;

import static org.ecbridge.testsupport.ManagementClient.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.ManagementClient;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the real routes against Chatwoot and EvolutionAPI stand-ins and checks that readiness on the management
 * port turns DOWN with the right cause for each failure, stays live, and turns UP again once the failure clears.
 */
class ReadinessTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final long STAGING_QUOTA_BYTES = 1_000_000;

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EvolutionStandIn evolution;
    private EmbeddedBridge bridge;
    private ManagementClient management;

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
        properties.put("bridge.health.probe-cache-seconds", "0");
        properties.put("bridge.health.delivery-failing-seconds", "2");
        properties.put("bridge.delivery.max-redeliveries", "-1");
        properties.put("bridge.disk.staging-quota-bytes", Long.toString(STAGING_QUOTA_BYTES));
        properties.put("bridge.disk.usage-refresh-millis", "200");
        bridge = EmbeddedBridge.start(properties);
        management = new ManagementClient(bridge.managementPort());
    }

    @AfterEach
    void stopServers() throws Exception {
        bridge.close();
        evolution.close();
        chatwoot.close();
    }

    @Test
    void readyWhenEveryDependencyAnswers() throws Exception {
        HttpResponse<String> ready = management.awaitReady(TIMEOUT);
        JsonNode health = ManagementClient.check(management.readiness(), "chatwoot");

        for (String check : new String[] {"chatwoot", "evolution-api", "disk", "delivery"}) {
            assertEquals("UP", ManagementClient.check(management.readiness(), check).path("status").asText(),
                    check + " in " + ready.body());
        }
        assertEquals(200, health.path("data").path("http.status").asInt(), health.toString());
        assertEquals(200, management.get("/observe/health/live").statusCode());
    }

    @Test
    void stoppedChatwootIsNotReady() throws Exception {
        management.awaitCheck("chatwoot", state("UP"), TIMEOUT);

        chatwoot.pause();
        JsonNode down = management.awaitCheck("chatwoot", state("DOWN"), TIMEOUT);
        HttpResponse<String> ready = management.get("/observe/health/ready");
        HttpResponse<String> live = management.get("/observe/health/live");
        chatwoot.resume();
        JsonNode up = management.awaitCheck("chatwoot", state("UP"), TIMEOUT);

        assertTrue(down.path("message").asText().contains("unreachable"), down.toString());
        assertEquals(503, ready.statusCode(), ready.body());
        assertEquals(200, live.statusCode(), "a Chatwoot outage must not fail liveness: " + live.body());
        assertTrue(up.path("message").asText().contains("accepted the API token"), up.toString());
    }

    @Test
    void rejectedChatwootTokenIsNotReady() throws Exception {
        management.awaitCheck("chatwoot", state("UP"), TIMEOUT);

        chatwoot.rotateApiToken("rotated-token");
        JsonNode down = management.awaitCheck("chatwoot", state("DOWN"), TIMEOUT);
        chatwoot.rotateApiToken(CHATWOOT_TOKEN);
        management.awaitCheck("chatwoot", state("UP"), TIMEOUT);

        assertTrue(down.path("message").asText().contains("rejected the API token with 401"), down.toString());
        assertEquals(401, down.path("data").path("http.status").asInt(), down.toString());
        assertTrue(!down.toString().contains(CHATWOOT_TOKEN), "the token must not appear: " + down);
    }

    @Test
    void stoppedEvolutionApiIsNotReady() throws Exception {
        management.awaitCheck("evolution-api", state("UP"), TIMEOUT);

        evolution.pause();
        JsonNode down = management.awaitCheck("evolution-api", state("DOWN"), TIMEOUT);
        JsonNode chatwootDuringOutage = ManagementClient.check(management.readiness(), "chatwoot");
        evolution.resume();
        management.awaitCheck("evolution-api", state("UP"), TIMEOUT);

        assertTrue(down.path("message").asText().contains("EvolutionAPI at 127.0.0.1:" + evolution.port()
                + " is unreachable"), down.toString());
        assertEquals("UP", chatwootDuringOutage.path("status").asText(), chatwootDuringOutage.toString());
    }

    @Test
    void fullStagingDiskIsNotReady() throws Exception {
        management.awaitCheck("disk", state("UP"), TIMEOUT);
        Path filler = bridge.dataDir().resolve("staging/media/filler.media");

        Files.write(filler, new byte[(int) (STAGING_QUOTA_BYTES * 95 / 100)]);
        JsonNode down = management.awaitCheck("disk", state("DOWN"), TIMEOUT);
        Files.delete(filler);
        management.awaitCheck("disk", state("UP"), TIMEOUT);

        assertTrue(down.path("message").asText().contains("staging folder holds"), down.toString());
        assertTrue(down.path("message").asText().contains("bridge.disk.staging-quota-bytes"), down.toString());
    }

    @Test
    void deliveriesFailingPastThresholdAreNotReady() throws Exception {
        management.awaitCheck("delivery", state("UP"), TIMEOUT);
        chatwoot.failNext("/messages$", 503, 100_000);

        HttpResponse<String> accepted = new WebhookClient(bridge.webhookUrl())
                .post(WebhookToChatwootTest.fixture("messages-upsert-text.json"));
        JsonNode down = management.awaitCheck("delivery", state("DOWN"), TIMEOUT);
        JsonNode chatwootDuringFailures = ManagementClient.check(management.readiness(), "chatwoot");
        chatwoot.clearFailures();
        chatwoot.awaitMessages(1, TIMEOUT);
        JsonNode up = management.awaitCheck("delivery", state("UP"), TIMEOUT);

        assertEquals(200, accepted.statusCode(), accepted.body());
        assertTrue(down.path("message").asText().contains("deliveries to Chatwoot have failed"), down.toString());
        assertTrue(down.path("message").asText().contains("503"), down.toString());
        assertEquals("UP", chatwootDuringFailures.path("status").asText(), chatwootDuringFailures.toString());
        assertTrue(up.path("message").asText().contains("no delivery failure"), up.toString());
    }
}
