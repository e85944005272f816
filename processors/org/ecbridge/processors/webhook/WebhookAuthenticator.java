package org.ecbridge.processors.webhook;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Authenticates an EvolutionAPI webhook before its body is read, and strips the credentials from the exchange.
 *
 * <p>Accepted credentials: the shared token in the configured header (for EvolutionAPI's per-instance webhook
 * {@code headers}), as {@code Authorization: Bearer <token>}, in the path {@code <base>/token/<token>} or as
 * {@code ?token=} (for the global webhook, which sends no custom headers), or a JWT signed with the configured
 * {@code jwt_key}. Secrets are compared through their SHA-256 in constant time. The path may end with a
 * by-events suffix such as {@code /messages-upsert}, which is kept in {@link BridgeHeaders#PATH_EVENT}.
 */
public final class WebhookAuthenticator implements Processor {

    private final String basePath;
    private final byte[] tokenDigest;
    private final String tokenHeader;
    private final JwtVerifier jwtVerifier;

    /**
     * @param basePath    the route's path, such as {@code /webhook/evolution}
     * @param token       the shared token; never empty
     * @param tokenHeader the header EvolutionAPI is configured to send the token in
     * @param jwtVerifier verifier for {@code jwt_key} bearer tokens, or null when none is configured
     */
    public WebhookAuthenticator(String basePath, String token, String tokenHeader, JwtVerifier jwtVerifier) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the webhook token must not be empty");
        }
        this.basePath = basePath;
        this.tokenDigest = sha256(token);
        this.tokenHeader = tokenHeader;
        this.jwtVerifier = jwtVerifier;
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getIn();
        List<String> segments = pathSegments(in.getHeader(Exchange.HTTP_PATH, "", String.class));
        String pathToken = null;
        if (segments.size() >= 2 && segments.get(0).equals("token")) {
            pathToken = segments.get(1);
            segments = segments.subList(2, segments.size());
        }
        if (segments.size() > 1) {
            throw new WebhookRejectedException(404, "not-found", "no webhook at this path; use " + basePath
                    + ", " + basePath + "/<event> or " + basePath + "/token/<token>[/<event>]");
        }

        authenticate(in, pathToken);

        if (!segments.isEmpty()) {
            in.setHeader(BridgeHeaders.PATH_EVENT, segments.get(0));
        }
        for (String name : List.of("Authorization", tokenHeader, Exchange.HTTP_QUERY, Exchange.HTTP_URI,
                Exchange.HTTP_RAW_QUERY, Exchange.HTTP_PATH, Exchange.HTTP_URL)) {
            in.removeHeader(name);
        }
    }

    private void authenticate(Message in, String pathToken) {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(in.getHeader(tokenHeader, String.class)).ifPresent(candidates::add);
        Optional.ofNullable(pathToken).ifPresent(candidates::add);
        queryToken(in.getHeader(Exchange.HTTP_QUERY, String.class)).ifPresent(candidates::add);
        String bearer = bearerToken(in.getHeader("Authorization", String.class));
        if (bearer != null && jwtVerifier != null && JwtVerifier.looksLikeJwt(bearer)) {
            jwtVerifier.verify(bearer);
            return;
        }
        Optional.ofNullable(bearer).ifPresent(candidates::add);
        if (candidates.isEmpty()) {
            throw WebhookRejectedException.unauthorized("no credentials: send the token in header " + tokenHeader
                    + ", as Authorization: Bearer, or in the URL as " + basePath + "/token/<token>");
        }
        boolean matched = false;
        for (String candidate : candidates) {
            matched |= MessageDigest.isEqual(tokenDigest, sha256(candidate));
        }
        if (!matched) {
            throw WebhookRejectedException.unauthorized("webhook token is invalid; compare it with "
                    + "bridge.webhook.token");
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

    private static Optional<String> queryToken(String query) {
        if (query == null) {
            return Optional.empty();
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("token=")) {
                return Optional.of(java.net.URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    private static String bearerToken(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
