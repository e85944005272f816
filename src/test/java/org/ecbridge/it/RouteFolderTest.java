package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the bridge from a routes folder of the test's own, holding a copy of the repository's YAML routes and
 * an XML route a user added, as an operator would edit {@code routes/}.
 */
class RouteFolderTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String XML_ROUTE = """
            <routes xmlns="http://camel.apache.org/schema/xml-io">
                <route id="user-hello" description="Answers GET /hello, added by a user">
                    <from uri="platform-http:/hello?httpMethodRestrict=GET"/>
                    <setBody>
                        <constant>%s</constant>
                    </setBody>
                </route>
            </routes>
            """;

    @TempDir
    Path tempDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private Path routesDir;
    private ChatwootStandIn chatwoot;
    private EmbeddedBridge bridge;

    @BeforeEach
    void copyRoutes() throws Exception {
        routesDir = Files.createDirectories(tempDir.resolve("routes"));
        try (DirectoryStream<Path> routes = Files.newDirectoryStream(Path.of("routes"), "*.yaml")) {
            for (Path route : routes) {
                Files.copy(route, routesDir.resolve(route.getFileName()));
            }
        }
        Files.writeString(routesDir.resolve("user-hello.xml"), XML_ROUTE.formatted("hello from XML"),
                StandardCharsets.UTF_8);
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
    }

    @AfterEach
    void stopServers() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        chatwoot.close();
    }

    @Test
    void xmlRouteInRoutesFolderIsLoaded() throws Exception {
        bridge = EmbeddedBridge.start(properties());

        HttpResponse<String> hello = get("/hello");
        HttpResponse<String> webhook = new WebhookClient(bridge.webhookUrl())
                .post(WebhookToChatwootTest.fixture("messages-upsert-text.json"));

        assertNotNull(bridge.context().getRoute("user-hello"), "route user-hello from user-hello.xml");
        assertEquals(200, hello.statusCode(), hello.body());
        assertEquals("hello from XML", hello.body());
        assertEquals(200, webhook.statusCode(), "the YAML routes still run beside it: " + webhook.body());
        assertEquals(1, chatwoot.awaitMessages(1, TIMEOUT).size());
    }

    @Test
    void devModeReloadsChangedRouteFile() throws Exception {
        Map<String, String> properties = properties();
        properties.put("camel.main.routesReloadEnabled", "true");
        properties.put("camel.main.routesReloadDirectory", routesDir.toString());
        properties.put("camel.main.routesReloadPattern", "*.yaml,*.xml");
        properties.put("camel.main.routesReloadRemoveAllRoutes", "false");
        bridge = EmbeddedBridge.start(properties);
        HttpResponse<String> before = get("/hello");

        // Written beside the route and moved over it, as editors save: the watcher never sees half a file.
        Path edited = Files.writeString(routesDir.resolve("user-hello.xml.tmp"),
                XML_ROUTE.formatted("hello after reload"), StandardCharsets.UTF_8);
        Files.move(edited, routesDir.resolve("user-hello.xml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        HttpResponse<String> after = awaitBody("/hello", "hello after reload");
        HttpResponse<String> webhook = new WebhookClient(bridge.webhookUrl())
                .post(WebhookToChatwootTest.fixture("messages-upsert-text.json"));

        assertEquals("hello from XML", before.body());
        assertEquals("hello after reload", after.body());
        assertEquals(200, webhook.statusCode(), "the other routes survive the reload: " + webhook.body());
        assertEquals(1, chatwoot.awaitMessages(1, TIMEOUT).size());
    }

    private Map<String, String> properties() {
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("camel.main.routesIncludePattern", "file:" + routesDir + "/*.yaml,file:" + routesDir
                + "/*.xml");
        return properties;
    }

    private HttpResponse<String> get(String path) throws Exception {
        String url = bridge.webhookUrl().replace("/webhook/evolution", path);
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> awaitBody(String path, String expected) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        HttpResponse<String> last = get(path);
        while (!expected.equals(last.body()) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            last = get(path);
        }
        return last;
    }
}
