package org.ecbridge.health;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Probes of the HTTP services the bridge depends on. Each probe sends one small GET and discards the body.
 *
 * <p>Messages name the server by host and port only: Camel 4.17's management server escapes a message's
 * slashes twice, so a full URL would reach the client as {@code http:\/\/...}. The full URL is in the
 * details, which {@code /observe/health?data=true} shows.
 */
public final class HttpDependencyProbes {

    private final HttpClient client;
    private final Duration timeout;

    public HttpDependencyProbes(Duration timeout) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.timeout = timeout;
    }

    /**
     * Returns a probe of Chatwoot that authenticates like delivery does: {@code GET
     * /api/v1/accounts/{account}/inboxes/{inbox}} with the {@code api_access_token} header. Up only on 200, so
     * a wrong token (401), an account the token cannot reach (401 or 403) and a deleted inbox (404) are down.
     */
    public DependencyProbe chatwoot(String baseUrl, String apiToken, long accountId, long inboxId) {
        String path = "/api/v1/accounts/" + accountId + "/inboxes/" + inboxId;
        String server = URI.create(baseUrl).getAuthority();
        return () -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                    .header("api_access_token", apiToken).header("Accept", "application/json").GET().build();
            Map<String, Object> details = Map.of("url", baseUrl, "path", path);
            int status;
            try {
                status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return ProbeResult.down("Chatwoot at " + server + " is unreachable: " + describe(e), details);
            }
            return chatwootResult(status, accountId, inboxId, withStatus(details, status));
        };
    }

    /**
     * Returns a probe of EvolutionAPI's unauthenticated {@code GET /}, to which EvolutionAPI 2.x responds with 200
     * and its version. Any status below 500 counts as reachable, because a proxy in front returns 502 or 503
     * when EvolutionAPI itself is down.
     */
    public DependencyProbe evolutionApi(String baseUrl) {
        String server = URI.create(baseUrl).getAuthority();
        return () -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/")).timeout(timeout).GET().build();
            Map<String, Object> details = Map.of("url", baseUrl);
            int status;
            try {
                status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                return ProbeResult.down("EvolutionAPI at " + server + " is unreachable: " + describe(e), details);
            }
            if (status >= 500) {
                return ProbeResult.down("EvolutionAPI at " + server + " answered " + status,
                        withStatus(details, status));
            }
            return ProbeResult.up("EvolutionAPI at " + server + " answered " + status, withStatus(details, status));
        };
    }

    private static ProbeResult chatwootResult(int status, long accountId, long inboxId,
            Map<String, Object> details) {
        if (status == 200) {
            return ProbeResult.up("Chatwoot accepted the API token and inbox " + inboxId + " exists", details);
        }
        if (status == 401 || status == 403) {
            return ProbeResult.down("Chatwoot rejected the API token with " + status + " for account " + accountId
                    + "; set bridge.chatwoot.api-token to an access token of a user or bot of that account",
                    details);
        }
        if (status == 404) {
            return ProbeResult.down("Chatwoot has no inbox " + inboxId + " in account " + accountId
                    + " (404); check bridge.chatwoot.account-id and bridge.chatwoot.inbox-id", details);
        }
        return ProbeResult.down("Chatwoot answered " + status + " to the inbox probe", details);
    }

    private static Map<String, Object> withStatus(Map<String, Object> details, int status) {
        Map<String, Object> copy = new java.util.HashMap<>(details);
        copy.put("http.status", status);
        return copy;
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }
}
