package org.ecbridge.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/** Posts webhooks to a bridge the way EvolutionAPI does: JSON with a Content-Length and custom headers. */
public final class WebhookClient {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;

    public WebhookClient(String url) {
        this.url = url;
    }

    public HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return post("", body, "X-Bridge-Token", EmbeddedBridge.WEBHOOK_TOKEN);
    }

    public HttpResponse<String> post(String pathSuffix, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + pathSuffix))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts a body of known length from a stream, never holding it in memory. */
    public HttpResponse<String> postStream(Supplier<InputStream> body, long lengthBytes, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-Bridge-Token", EmbeddedBridge.WEBHOOK_TOKEN)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(body),
                        lengthBytes))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
