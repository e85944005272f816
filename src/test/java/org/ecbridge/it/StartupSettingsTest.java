package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.ecbridge.testsupport.EmbeddedBridge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings that cannot work stop the bridge at start-up with a message that names them. */
class StartupSettingsTest {

    @TempDir
    Path tempDir;

    @Test
    void evolutionUrlAtOwnPortStopsStartup() {
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), "http://127.0.0.1:9",
                "chatwoot-test-token");
        properties.put("bridge.evolution.api-key", "evolution-test-key");
        properties.put("bridge.evolution.url", "http://localhost:{{bridge.webhook.port}}");

        Exception failure = assertThrows(Exception.class, () -> EmbeddedBridge.start(properties));

        String messages = causes(failure);
        assertTrue(messages.contains("BRIDGE_EVOLUTION_URL"), messages);
        assertTrue(messages.contains("own webhook port"), messages);
    }

    private static String causes(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.append(cause.getMessage()).append('\n');
        }
        return messages.toString();
    }
}
