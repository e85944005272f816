package org.ecbridge.processors.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Verifies the HS256 bearer tokens EvolutionAPI signs with an instance's {@code jwt_key}: payload
 * {@code {iat, exp: iat + 600, app: "evolution", action: "webhook"}}. Only HS256 is accepted and {@code exp} is
 * required.
 */
public final class JwtVerifier {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Longest lifetime accepted; EvolutionAPI signs tokens valid for 600 s, the rest is clock skew. */
    private static final long MAX_LIFETIME_SECONDS = 3600;

    private final byte[] key;
    private final Clock clock;
    private final long clockSkewSeconds;

    public JwtVerifier(String key, Clock clock, Duration clockSkew) {
        this.key = key.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
        this.clockSkewSeconds = clockSkew.toSeconds();
    }

    public static boolean looksLikeJwt(String token) {
        return token.chars().filter(c -> c == '.').count() == 2;
    }

    /**
     * Checks signature and expiry.
     *
     * @throws WebhookRejectedException with status 401 naming what is wrong with the token
     */
    public void verify(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw WebhookRejectedException.unauthorized("bearer token is not a JWT");
        }
        JsonNode header = decodeJson(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw WebhookRejectedException.unauthorized("JWT algorithm '" + header.path("alg").asText()
                    + "' is not accepted; EvolutionAPI signs webhooks with HS256");
        }
        byte[] expected = sign(parts[0] + "." + parts[1]);
        byte[] actual = decodeBase64Url(parts[2], "signature");
        if (!MessageDigest.isEqual(expected, actual)) {
            throw WebhookRejectedException.unauthorized("JWT signature is invalid; check bridge.webhook.jwt-key "
                    + "against the jwt_key in EvolutionAPI's webhook headers");
        }
        checkTimes(decodeJson(parts[1], "payload"));
    }

    private void checkTimes(JsonNode payload) {
        long now = clock.millis() / 1000;
        if (!payload.path("exp").isNumber()) {
            throw WebhookRejectedException.unauthorized("JWT has no exp claim");
        }
        long expiresAt = payload.path("exp").asLong();
        if (expiresAt - now > MAX_LIFETIME_SECONDS) {
            throw WebhookRejectedException.unauthorized("JWT expires at " + expiresAt + ", more than "
                    + MAX_LIFETIME_SECONDS + " s from now (" + now + "); EvolutionAPI's tokens live 600 s, so this "
                    + "one was not made by it");
        }
        if (now > expiresAt + clockSkewSeconds) {
            throw WebhookRejectedException.unauthorized("JWT expired at " + expiresAt + " (now " + now
                    + "); check the clocks of EvolutionAPI and the bridge");
        }
        if (payload.path("iat").isNumber() && payload.path("iat").asLong() > now + clockSkewSeconds) {
            throw WebhookRejectedException.unauthorized("JWT iat " + payload.path("iat").asLong()
                    + " is in the future (now " + now + ")");
        }
    }

    private byte[] sign(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    private static JsonNode decodeJson(String part, String name) {
        try {
            return MAPPER.readTree(decodeBase64Url(part, name));
        } catch (java.io.IOException e) {
            throw WebhookRejectedException.unauthorized("JWT " + name + " is not JSON");
        }
    }

    private static byte[] decodeBase64Url(String part, String name) {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw WebhookRejectedException.unauthorized("JWT " + name + " is not base64url");
        }
    }
}
