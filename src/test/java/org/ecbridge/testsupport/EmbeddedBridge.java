package org.ecbridge.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.ecbridge.BridgeBeans;

/**
 * The real bridge, booted in the test JVM through Camel Main with the route files of the repository's
 * {@code routes/} folder, on free loopback ports and a data folder of the test's own.
 */
public final class EmbeddedBridge implements AutoCloseable {

    public static final String WEBHOOK_TOKEN = "test-webhook-token";

    private final Main main;
    private final int webhookPort;
    private final int managementPort;
    private final Path dataDir;

    private EmbeddedBridge(Main main, int webhookPort, int managementPort, Path dataDir) {
        this.main = main;
        this.webhookPort = webhookPort;
        this.managementPort = managementPort;
        this.dataDir = dataDir;
    }

    /** Returns the settings every test needs: data folder, ports, Chatwoot and a fast redelivery policy. */
    public static Map<String, String> defaults(Path dataDir, String chatwootUrl, String chatwootToken) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("bridge.data-dir", dataDir.toString());
        properties.put("bridge.chatwoot.url", chatwootUrl);
        properties.put("bridge.chatwoot.api-token", chatwootToken);
        properties.put("bridge.chatwoot.account-id", "1");
        properties.put("bridge.chatwoot.inbox-id", "7");
        properties.put("bridge.webhook.token", WEBHOOK_TOKEN);
        properties.put("bridge.delivery.poll-delay-millis", "50");
        properties.put("bridge.delivery.redelivery-delay-millis", "100");
        properties.put("bridge.delivery.max-redelivery-delay-millis", "400");
        properties.put("bridge.disk.min-free-bytes", "0");
        properties.put("camel.main.routesIncludePattern", "file:routes/*.yaml,file:routes/*.xml");
        return properties;
    }

    public static EmbeddedBridge start(Map<String, String> properties) throws Exception {
        int webhookPort = freePort();
        int managementPort = freePort();
        Main main = new Main();
        main.configure().addConfiguration(BridgeBeans.class);
        main.addOverrideProperty("bridge.webhook.port", Integer.toString(webhookPort));
        main.addOverrideProperty("camel.server.port", Integer.toString(webhookPort));
        main.addOverrideProperty("bridge.management.port", Integer.toString(managementPort));
        main.addOverrideProperty("camel.management.port", Integer.toString(managementPort));
        main.addOverrideProperty("camel.main.jmxEnabled", "false");
        main.addOverrideProperty("bridge.public-url", "http://127.0.0.1:" + webhookPort);
        properties.forEach(main::addOverrideProperty);
        main.start();
        return new EmbeddedBridge(main, webhookPort, managementPort, Path.of(properties.get("bridge.data-dir")));
    }

    public String webhookUrl() {
        return baseUrl() + "/webhook/evolution";
    }

    /** Returns {@code http://127.0.0.1:<webhook port>}, which is also the bridge's {@code bridge.public-url}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + webhookPort;
    }

    public int managementPort() {
        return managementPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
