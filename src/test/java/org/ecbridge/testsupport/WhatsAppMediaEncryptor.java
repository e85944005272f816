package org.ecbridge.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.ecbridge.processors.media.WhatsAppMediaKeys;

/**
 * The sending side of WhatsApp media encryption for tests: AES-256-CBC with PKCS#7 padding, then the first 10
 * bytes of HMAC-SHA256(macKey, IV ‖ ciphertext). Cipher and MAC are written apart from the bridge's decryptor,
 * but the keys come from the bridge's {@link WhatsAppMediaKeys}, which the vector tests check. It streams, so a
 * file of any size is encrypted with a 64 KiB buffer.
 */
public final class WhatsAppMediaEncryptor {

    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int MAC_BYTES = 10;

    /** Hashes and length of an encrypted file, as a media message declares them. */
    public record Encrypted(byte[] fileSha256, byte[] fileEncSha256, long fileLength, long encLength) {
    }

    private WhatsAppMediaEncryptor() {
    }

    /** Encrypts {@code plain} into {@code target} with the keys of {@code mediaKey} for {@code kind}. */
    public static Encrypted encrypt(InputStream plain, Path target, byte[] mediaKey, String kind)
            throws IOException, GeneralSecurityException {
        WhatsAppMediaKeys keys = WhatsAppMediaKeys.derive(mediaKey, kind);
        Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.cipherKey(), "AES"), new IvParameterSpec(keys.iv()));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(keys.macKey(), "HmacSHA256"));
        mac.update(keys.iv());
        MessageDigest plainSha256 = MessageDigest.getInstance("SHA-256");
        MessageDigest encSha256 = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[BUFFER_BYTES];
        long plainBytes = 0;
        long encBytes = 0;

        try (OutputStream out = Files.newOutputStream(target)) {
            int read;
            while ((read = plain.read(buffer)) > 0) {
                plainSha256.update(buffer, 0, read);
                plainBytes += read;
                encBytes += writeCiphertext(cipher.update(buffer, 0, read), mac, encSha256, out);
            }
            encBytes += writeCiphertext(cipher.doFinal(), mac, encSha256, out);
            byte[] tag = Arrays.copyOf(mac.doFinal(), MAC_BYTES);
            encSha256.update(tag);
            out.write(tag);
            encBytes += MAC_BYTES;
        }

        return new Encrypted(plainSha256.digest(), encSha256.digest(), plainBytes, encBytes);
    }

    private static int writeCiphertext(byte[] ciphertext, Mac mac, MessageDigest encSha256, OutputStream out)
            throws IOException {
        if (ciphertext == null) {
            return 0;
        }
        mac.update(ciphertext);
        encSha256.update(ciphertext);
        out.write(ciphertext);
        return ciphertext.length;
    }
}
