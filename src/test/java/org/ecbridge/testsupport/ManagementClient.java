package org.ecbridge.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads a bridge's management server on loopback: health checks and Prometheus metrics. */
public final class ManagementClient {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;

    public ManagementClient(int managementPort) {
        this.baseUrl = "http://127.0.0.1:" + managementPort;
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
                .GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Returns the JSON of {@code /observe/health/ready} with each check's details, whatever its status code. */
    public JsonNode readiness() throws IOException, InterruptedException {
        return MAPPER.readTree(get("/observe/health/ready?data=true").body());
    }

    /**
     * Returns the entry for check {@code name} in a health response, or a missing node. Its details are under
     * {@code data}.
     */
    public static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        return MAPPER.missingNode();
    }

    /**
     * Polls readiness until check {@code name} satisfies {@code condition} and returns that check.
     *
     * @throws AssertionError with the last response when {@code timeout} passes first
     */
    public JsonNode awaitCheck(String name, Predicate<JsonNode> condition, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            last = readiness();
            JsonNode check = check(last, name);
            if (condition.test(check)) {
                return check;
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
        throw new AssertionError("readiness check " + name + " did not reach the expected state within "
                + timeout.toMillis() + " ms; last response: " + last);
    }

    /** Polls {@code /observe/health/ready} until it returns 200, and returns that response. */
    public HttpResponse<String> awaitReady(Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        HttpResponse<String> last = null;
        while (Instant.now().isBefore(deadline)) {
            last = get("/observe/health/ready?data=true");
            if (last.statusCode() == 200) {
                return last;
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
        throw new AssertionError("readiness did not answer 200 within " + timeout.toMillis() + " ms; last response: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
    }

    public static Predicate<JsonNode> state(String state) {
        return check -> state.equals(check.path("status").asText());
    }
}
