package org.ecbridge.http;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * The platform-http engine, bound to the webhook port explicitly. Camel 4.17's engine finds its port by looking
 * for the single Vert.x server in the registry; with the management server on a port of its own there are two,
 * and it falls back to 8080 whatever {@code camel.server.port} says.
 */
public final class WebhookHttpEngine extends VertxPlatformHttpEngine {

    private final int port;

    public WebhookHttpEngine(int port) {
        this.port = port;
    }

    @Override
    public int getServerPort() {
        return port;
    }
}
