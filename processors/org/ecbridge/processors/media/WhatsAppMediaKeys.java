package org.ecbridge.processors.media;

import java.security.GeneralSecurityException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of one WhatsApp media file, expanded from its 32-byte {@code mediaKey} with HKDF-SHA256 (RFC 5869,
 * salt of 32 zero bytes, an info string per media type) to 112 bytes: IV (0-15), AES-256 key (16-47) and HMAC key
 * (48-79). The bridge does not use the remaining 32 bytes.
 */
public record WhatsAppMediaKeys(byte[] iv, byte[] cipherKey, byte[] macKey) {

    public static final int MEDIA_KEY_BYTES = 32;
    private static final int EXPANDED_BYTES = 112;
    private static final int HASH_BYTES = 32;
    private static final Map<String, String> INFO_BY_KIND = Map.of(
            "image", "WhatsApp Image Keys",
            "sticker", "WhatsApp Image Keys",
            "video", "WhatsApp Video Keys",
            "audio", "WhatsApp Audio Keys",
            "document", "WhatsApp Document Keys");

    /**
     * Derives the keys for a media kind (image, sticker, video, audio or document).
     *
     * @throws IllegalArgumentException for a key that is not 32 bytes or an unknown kind
     */
    public static WhatsAppMediaKeys derive(byte[] mediaKey, String kind) {
        if (mediaKey == null || mediaKey.length != MEDIA_KEY_BYTES) {
            throw new IllegalArgumentException("mediaKey must have " + MEDIA_KEY_BYTES + " bytes, got "
                    + (mediaKey == null ? "none" : mediaKey.length));
        }
        String info = INFO_BY_KIND.get(kind);
        if (info == null) {
            throw new IllegalArgumentException("no WhatsApp key info for media kind '" + kind + "'; known kinds are "
                    + INFO_BY_KIND.keySet());
        }

        byte[] expanded = hkdfSha256(mediaKey, new byte[HASH_BYTES], info.getBytes(StandardCharsets.US_ASCII),
                EXPANDED_BYTES);

        return new WhatsAppMediaKeys(Arrays.copyOfRange(expanded, 0, 16), Arrays.copyOfRange(expanded, 16, 48),
                Arrays.copyOfRange(expanded, 48, 80));
    }

    /** RFC 5869 extract-then-expand with HMAC-SHA256. */
    static byte[] hkdfSha256(byte[] inputKey, byte[] salt, byte[] info, int length) {
        try {
            Mac extract = Mac.getInstance("HmacSHA256");
            extract.init(new SecretKeySpec(salt, "HmacSHA256"));
            byte[] pseudoRandomKey = extract.doFinal(inputKey);
            Mac expand = Mac.getInstance("HmacSHA256");
            expand.init(new SecretKeySpec(pseudoRandomKey, "HmacSHA256"));
            byte[] output = new byte[length];
            byte[] block = new byte[0];
            int written = 0;
            for (int counter = 1; written < length; counter++) {
                expand.update(block);
                expand.update(info);
                expand.update((byte) counter);
                block = expand.doFinal();
                int copied = Math.min(block.length, length - written);
                System.arraycopy(block, 0, output, written, copied);
                written += copied;
            }
            return output;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM has no HmacSHA256", e);
        }
    }
}
