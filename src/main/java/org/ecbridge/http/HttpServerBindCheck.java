package org.ecbridge.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Fails start-up when the webhook or management server could not bind its port. Camel 4.17's Vert.x server only
 * logs a bind failure and starts anyway, and its port still reads as bound, which would leave a bridge that
 * reports itself healthy but receives nothing. So the check requests, from each port over loopback, a random
 * value that only this process's router returns.
 */
public final class HttpServerBindCheck implements StartupListener {

    private static final String PATH = "/.bridge-bind-check";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final int webhookPort;
    private final int managementPort;
    private final String nonce = UUID.randomUUID().toString();

    public HttpServerBindCheck(int webhookPort, int managementPort) {
        this.webhookPort = webhookPort;
        this.managementPort = managementPort;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) throws Exception {
        check(context, webhookPort, "bridge.webhook.port");
        check(context, managementPort, "bridge.management.port");
    }

    private void check(CamelContext context, int port, String setting) throws Exception {
        VertxPlatformHttpRouter router = context.getRegistry().lookupByNameAndType(
                VertxPlatformHttpRouter.getRouterNameFromPort(port), VertxPlatformHttpRouter.class);
        if (router == null) {
            return;
        }
        router.get(PATH).handler(ctx -> ctx.response().end(nonce));
        String body;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            body = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + PATH)).timeout(TIMEOUT)
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            body = null;
        }
        if (!nonce.equals(body)) {
            throw new IllegalStateException("The bridge could not listen on port " + port + "; another process "
                    + "probably uses it. Stop that process, or set " + setting + " to a free port.");
        }
    }
}
