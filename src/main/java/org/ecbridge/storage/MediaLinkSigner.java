package org.ecbridge.storage;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks the bridge's media links {@code <public-url>/media/<key>/<file name>?expires=<unix seconds>
 * &signature=<hex>}. The signature is HMAC-SHA256 over {@code "<key>\n<file name>\n<expires>"}, so neither the
 * file, its name nor the expiry can be changed without the secret.
 */
public final class MediaLinkSigner {

    public static final String PATH_PREFIX = "/media/";

    private final byte[] secret;
    private final String publicUrl;
    private final Clock clock;

    /**
     * @param secret    the HMAC key; never logged
     * @param publicUrl the base URL under which EvolutionAPI reaches the bridge, without a trailing slash; may be
     *                  null, and then {@link #link} fails with an error that names the setting
     */
    public MediaLinkSigner(String secret, String publicUrl, Clock clock) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("the media link secret must not be empty");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.publicUrl = publicUrl == null ? null : publicUrl.replaceAll("/+$", "");
        this.clock = clock;
    }

    /** Throws unless {@code bridge.public-url} is set, which every link starts with. */
    public void requirePublicUrl() {
        if (publicUrl == null || publicUrl.isEmpty()) {
            throw new IllegalStateException("bridge.public-url is not set, so the bridge cannot hand out links to "
                    + "its stored media; set it to the URL under which EvolutionAPI reaches this bridge, such as "
                    + "https://bridge.example.com");
        }
    }

    /** Returns a link to the stored file that works until {@code expiry} from now. */
    public String link(String key, String fileName, Duration expiry) {
        requirePublicUrl();
        long expires = clock.instant().plus(expiry).getEpochSecond();
        return publicUrl + PATH_PREFIX + key + "/" + PercentEncoding.encode(fileName) + "?expires=" + expires
                + "&signature=" + signature(key, fileName, expires);
    }

    /** Returns true when {@code signatureHex} is the signature of the link's parts, compared in constant time. */
    public boolean isValid(String key, String fileName, long expires, String signatureHex) {
        if (signatureHex == null) {
            return false;
        }
        byte[] expected = signature(key, fileName, expires).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signatureHex.toLowerCase(java.util.Locale.ROOT)
                .getBytes(StandardCharsets.US_ASCII));
    }

    public boolean isExpired(long expires) {
        return expires < clock.instant().getEpochSecond();
    }

    private String signature(String key, String fileName, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] signed = mac.doFinal((key + "\n" + fileName + "\n" + expires).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(signed);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("This JVM cannot compute HMAC-SHA256", e);
        }
    }
}
