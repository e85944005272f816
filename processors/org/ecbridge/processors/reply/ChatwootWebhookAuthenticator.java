package org.ecbridge.processors.reply;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.ecbridge.processors.webhook.WebhookRejectedException;

/**
 * Checks a Chatwoot webhook's credentials before its body is read, and strips them from the exchange.
 *
 * <p>With a webhook secret configured, the request must carry {@code X-Chatwoot-Signature: sha256=<hex>} and an
 * {@code X-Chatwoot-Timestamp} within the allowed clock skew; the signature itself is checked over the spooled
 * body by {@link ChatwootSignatureVerifier}. Without a secret, the shared token must come in the configured
 * header or in the path {@code <base>/token/<token>}, compared through its SHA-256 in constant time.
 */
public final class ChatwootWebhookAuthenticator implements Processor {

    public static final String SIGNATURE_HEADER = "X-Chatwoot-Signature";
    public static final String TIMESTAMP_HEADER = "X-Chatwoot-Timestamp";

    private final String basePath;
    private final byte[] tokenDigest;
    private final String tokenHeader;
    private final boolean signatureRequired;
    private final Duration maxClockSkew;
    private final Clock clock;

    /**
     * @param token             the shared token, or null when {@code signatureRequired}
     * @param signatureRequired true when {@code bridge.chatwoot.webhook-secret} is set
     */
    public ChatwootWebhookAuthenticator(String basePath, String token, String tokenHeader, boolean signatureRequired,
            Duration maxClockSkew, Clock clock) {
        if (!signatureRequired && (token == null || token.isBlank())) {
            throw new IllegalArgumentException("the Chatwoot webhook token must not be empty without a secret");
        }
        this.basePath = basePath;
        this.tokenDigest = token == null ? null : sha256(token);
        this.tokenHeader = tokenHeader;
        this.signatureRequired = signatureRequired;
        this.maxClockSkew = maxClockSkew;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getIn();
        List<String> segments = pathSegments(in.getHeader(Exchange.HTTP_PATH, "", String.class));
        String pathToken = null;
        if (segments.size() == 2 && segments.get(0).equals("token")) {
            pathToken = segments.get(1);
        } else if (!segments.isEmpty()) {
            throw new WebhookRejectedException(404, "not-found", "no webhook at this path; use " + basePath
                    + " or " + basePath + "/token/<token>");
        }

        if (signatureRequired) {
            requireFreshSignature(exchange, in);
        } else {
            requireToken(in, pathToken);
        }

        for (String name : List.of("Authorization", tokenHeader, SIGNATURE_HEADER, Exchange.HTTP_QUERY,
                Exchange.HTTP_URI, Exchange.HTTP_RAW_QUERY, Exchange.HTTP_PATH, Exchange.HTTP_URL)) {
            in.removeHeader(name);
        }
    }

    private void requireFreshSignature(Exchange exchange, Message in) {
        String signature = in.getHeader(SIGNATURE_HEADER, String.class);
        String timestamp = in.getHeader(TIMESTAMP_HEADER, String.class);
        if (signature == null || timestamp == null) {
            throw WebhookRejectedException.unauthorized("webhook is not signed: " + SIGNATURE_HEADER + " and "
                    + TIMESTAMP_HEADER + " are required while bridge.chatwoot.webhook-secret is set");
        }
        String hex = signature.trim().toLowerCase(Locale.ROOT);
        if (!hex.startsWith("sha256=") || !hex.substring(7).matches("[0-9a-f]{64}")) {
            throw WebhookRejectedException.unauthorized(SIGNATURE_HEADER + " must be sha256=<64 hex digits>");
        }
        long timestampSeconds;
        try {
            timestampSeconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            throw WebhookRejectedException.unauthorized(TIMESTAMP_HEADER + " must be Unix seconds, but is '"
                    + timestamp + "'");
        }
        long skewSeconds = Math.abs(clock.instant().getEpochSecond() - timestampSeconds);
        if (skewSeconds > maxClockSkew.toSeconds()) {
            throw WebhookRejectedException.unauthorized("webhook timestamp is " + skewSeconds + " s away from the "
                    + "bridge's clock, more than the " + maxClockSkew.toSeconds() + " s allowed; check both clocks");
        }
        exchange.setProperty(ReplyHeaders.SIGNATURE, hex.substring(7));
        exchange.setProperty(ReplyHeaders.SIGNATURE_TIMESTAMP, timestamp.trim());
    }

    private void requireToken(Message in, String pathToken) {
        List<String> candidates = new ArrayList<>();
        String headerToken = in.getHeader(tokenHeader, String.class);
        if (headerToken != null) {
            candidates.add(headerToken);
        }
        if (pathToken != null) {
            candidates.add(pathToken);
        }
        if (candidates.isEmpty()) {
            throw WebhookRejectedException.unauthorized("no credentials: configure the Chatwoot webhook URL as "
                    + basePath + "/token/<token>, or send the token in header " + tokenHeader);
        }
        boolean matched = false;
        for (String candidate : candidates) {
            matched |= MessageDigest.isEqual(tokenDigest, sha256(candidate));
        }
        if (!matched) {
            throw WebhookRejectedException.unauthorized("webhook token is invalid; compare it with "
                    + "bridge.chatwoot.webhook-token");
        }
    }

    private List<String> pathSegments(String path) {
        String rest = path.startsWith(basePath) ? path.substring(basePath.length()) : path;
        List<String> segments = new ArrayList<>();
        for (String segment : rest.split("/")) {
            if (!segment.isEmpty()) {
                segments.add(segment);
            }
        }
        return segments;
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
