package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.ecbridge.testsupport.BridgeProcess;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the bridge in a JVM of its own with the JDK's JMX connector on a loopback port, and operates it over
 * that connector the way jconsole or VisualVM would.
 */
class JmxOperationsTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String CONTEXT = "evolution-chatwoot-bridge";

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private BridgeProcess bridge;
    private JMXConnector connector;
    private MBeanServerConnection jmx;
    private WebhookClient webhooks;

    @BeforeEach
    void startBridge() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        int jmxPort = EmbeddedBridge.freePort();
        List<String> jvmOptions = List.of("-Xmx128m",
                "-Dcom.sun.management.jmxremote.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                "-Djava.rmi.server.hostname=127.0.0.1",
                "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false");
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        bridge = BridgeProcess.start(jvmOptions, properties, TIMEOUT);
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
        connector = JMXConnectorFactory.connect(url);
        jmx = connector.getMBeanServerConnection();
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    @AfterEach
    void stopBridge() throws Exception {
        if (connector != null) {
            connector.close();
        }
        bridge.close();
        chatwoot.close();
    }

    @Test
    void suspendedWebhookRouteAnswers503() throws Exception {
        ObjectName route = new ObjectName("org.apache.camel:context=" + CONTEXT + ",type=routes,name=\""
                + "evolution-webhook\"");
        String text = WebhookToChatwootTest.fixture("messages-upsert-text.json");

        jmx.invoke(route, "suspend", null, null);
        String suspendedState = (String) jmx.getAttribute(route, "State");
        HttpResponse<String> whileSuspended = webhooks.post(text);
        jmx.invoke(route, "resume", null, null);
        String resumedState = (String) jmx.getAttribute(route, "State");
        HttpResponse<String> afterResume = webhooks.post(text);
        chatwoot.awaitMessages(1, TIMEOUT);

        assertEquals("Suspended", suspendedState);
        assertEquals(503, whileSuspended.statusCode(), "EvolutionAPI retries a 503: " + whileSuspended.body());
        assertEquals("Started", resumedState);
        assertEquals(200, afterResume.statusCode(), afterResume.body());
        assertEquals(1, chatwoot.messages().size(), "the webhook sent while suspended was not accepted");
    }

    @Test
    void deadLetterIsReplayedOverJmx() throws Exception {
        ObjectName deadLetters = new ObjectName("org.ecbridge:type=DeadLetters,context=\"" + CONTEXT + "\"");
        ObjectName diskUsage = new ObjectName("org.ecbridge:type=DiskUsage,context=\"" + CONTEXT + "\"");
        chatwoot.failNext("/messages$", 422, 1);

        webhooks.post(WebhookToChatwootTest.fixture("messages-upsert-text.json"));
        awaitDeadLetterCount(deadLetters, 1);
        @SuppressWarnings("unchecked")
        List<String> itemIds = (List<String>) jmx.getAttribute(deadLetters, "ItemIds");
        String outcome = (String) jmx.invoke(deadLetters, "replay", new Object[] {itemIds.get(0)},
                new String[] {String.class.getName()});
        // The first message is the private note about the dead letter, the second the replayed message.
        List<ChatwootMessage> messages = chatwoot.awaitMessages(2, TIMEOUT);

        assertTrue(outcome.contains("moved back to the staging inbox"), outcome);
        assertEquals(0, (int) jmx.getAttribute(deadLetters, "Count"));
        assertTrue(messages.get(0).privateNote(), "dead-letter note");
        assertEquals("WAID:3A5F0C1B2D3E4F5A6B7C", messages.get(1).sourceId());
        assertTrue((long) jmx.getAttribute(diskUsage, "StagingQuotaBytes") > 0);
        assertTrue((long) jmx.getAttribute(diskUsage, "FreeBytes") > 0);
    }

    private void awaitDeadLetterCount(ObjectName deadLetters, int expected) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int count = (int) jmx.getAttribute(deadLetters, "Count");
        while (count != expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
            count = (int) jmx.getAttribute(deadLetters, "Count");
        }
        assertEquals(expected, count, "dead letters over JMX");
    }
}
