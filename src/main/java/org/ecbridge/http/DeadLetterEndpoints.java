package org.ecbridge.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds the dead-letter API to the management server (not the webhook port): {@code GET /dead-letters},
 * {@code POST /dead-letters/<id>/replay} and {@code POST /dead-letters/replay}. Each call runs one of the
 * {@code dead-letter-*} routes, so the work stays in the route files. A replay posts to Chatwoot again and the
 * list shows message ids, file names and failure reasons, so every call needs
 * {@code Authorization: Bearer <bridge.management.token>}. Health checks and metrics on the same port need none.
 */
public final class DeadLetterEndpoints implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterEndpoints.class);
    private static final String ID_HEADER = "BridgeDeadLetterId";

    private final int managementPort;
    private final byte[] expectedAuthorization;
    private final String tokenSource;

    /** @param tokenSource where operators find the token, named in the 401 response */
    public DeadLetterEndpoints(int managementPort, String token, String tokenSource) {
        this.managementPort = managementPort;
        this.expectedAuthorization = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.tokenSource = tokenSource;
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        String routerName = VertxPlatformHttpRouter.getRouterNameFromPort(managementPort);
        Router router = context.getRegistry().lookupByNameAndType(routerName, VertxPlatformHttpRouter.class);
        if (router == null) {
            LOG.warn("No management server on port {}; the dead-letter API is not available there", managementPort);
            return;
        }
        ProducerTemplate template = context.createProducerTemplate();
        router.route("/dead-letters*").handler(this::authenticate);
        router.get("/dead-letters").blockingHandler(ctx -> call(ctx, template, "direct:dead-letter-list", null));
        router.post("/dead-letters/replay").blockingHandler(
                ctx -> call(ctx, template, "direct:dead-letter-replay-all", null));
        router.post("/dead-letters/:id/replay").blockingHandler(
                ctx -> call(ctx, template, "direct:dead-letter-replay", ctx.pathParam("id")));
        LOG.info("Dead-letter API at http://<host>:{}/dead-letters", managementPort);
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // The management server's router exists only once the context has fully started.
    }

    private void authenticate(RoutingContext ctx) {
        String authorization = ctx.request().getHeader("Authorization");
        byte[] presented = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        if (MessageDigest.isEqual(presented, expectedAuthorization)) {
            ctx.next();
            return;
        }

        LOG.warn("Rejected {} {} on the management port from {}: {} bearer token", ctx.request().method(),
                ctx.request().path(), ctx.request().remoteAddress(), authorization == null ? "missing" : "wrong");
        ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                .putHeader("WWW-Authenticate", "Bearer")
                .end("{\"error\":" + io.vertx.core.json.Json.encode("missing or wrong bearer token: send "
                        + "Authorization: Bearer <token>, with the token from " + tokenSource) + "}");
    }

    private static void call(RoutingContext ctx, ProducerTemplate template, String route, String itemId) {
        try {
            Map<String, Object> headers = itemId == null ? Map.of() : Map.of(ID_HEADER, itemId);
            String body = template.requestBodyAndHeaders(route, null, headers, String.class);
            ctx.response().putHeader("Content-Type", "application/json").end(body);
        } catch (CamelExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            int status = cause instanceof IllegalArgumentException ? 404 : 500;
            String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end("{\"error\":" + io.vertx.core.json.Json.encode(message) + "}");
        }
    }
}
