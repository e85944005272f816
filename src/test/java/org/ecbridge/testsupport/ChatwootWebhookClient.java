package org.ecbridge.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Posts webhooks to a bridge the way Chatwoot does: JSON over HTTP/1.1, and with a webhook secret the headers
 * {@code X-Chatwoot-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>">} and {@code X-Chatwoot-Timestamp}.
 */
public final class ChatwootWebhookClient {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;

    /** @param url the bridge's webhook URL, such as {@code http://127.0.0.1:PORT/webhook/chatwoot} */
    public ChatwootWebhookClient(String url) {
        this.url = url;
    }

    /** Posts {@code body} to the URL plus {@code pathSuffix}, with the given header name and value pairs. */
    public HttpResponse<String> post(String pathSuffix, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + pathSuffix))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts {@code body} signed with {@code secret} at {@code timestampSeconds}. */
    public HttpResponse<String> postSigned(String body, String secret, long timestampSeconds)
            throws IOException, InterruptedException {
        return post("", body, "X-Chatwoot-Signature", "sha256=" + signature(secret, timestampSeconds, body),
                "X-Chatwoot-Timestamp", Long.toString(timestampSeconds));
    }

    public static String signature(String secret, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] signed = mac.doFinal((timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(signed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot compute HMAC-SHA256", e);
        }
    }
}
