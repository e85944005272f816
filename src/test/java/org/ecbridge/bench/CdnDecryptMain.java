package org.ecbridge.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.ecbridge.processors.media.WhatsAppMediaDecryptor;
import org.ecbridge.processors.media.WhatsAppMediaKeys;

/**
 * Runs the bridge's WhatsApp media decryptor on one file, for the small-heap test and {@code bench/cdn-decrypt.sh}.
 * Prints the plaintext's length, SHA-256, the elapsed milliseconds and the heap in use at the end.
 *
 * <pre>
 * CdnDecryptMain ENC_FILE OUT_FILE MEDIA_KEY_BASE64 KIND FILE_ENC_SHA256_BASE64 FILE_SHA256_BASE64 FILE_LENGTH
 * CdnDecryptMain --keys MEDIA_KEY_BASE64 KIND     (prints iv, cipher key and MAC key in hex)
 * </pre>
 */
public final class CdnDecryptMain {

    private CdnDecryptMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--keys")) {
            printKeys(args[1], args[2]);
            return;
        }
        if (args.length != 7) {
            System.err.println("usage: CdnDecryptMain ENC_FILE OUT_FILE MEDIA_KEY_BASE64 KIND FILE_ENC_SHA256_BASE64 "
                    + "FILE_SHA256_BASE64 FILE_LENGTH, or CdnDecryptMain --keys MEDIA_KEY_BASE64 KIND");
            System.exit(2);
        }
        byte[] mediaKey = Base64.getDecoder().decode(args[2]);
        WhatsAppMediaKeys keys = WhatsAppMediaKeys.derive(mediaKey, args[3]);
        WhatsAppMediaDecryptor.EncryptedMedia facts = new WhatsAppMediaDecryptor.EncryptedMedia(null, null, mediaKey,
                Base64.getDecoder().decode(args[4]), Base64.getDecoder().decode(args[5]), Long.parseLong(args[6]));

        long startNanos = System.nanoTime();
        WhatsAppMediaDecryptor.DecryptedMedia decrypted;
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            decrypted = WhatsAppMediaDecryptor.decryptTo(in, Path.of(args[1]), keys, facts, Long.MAX_VALUE);
        }
        long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;

        Runtime runtime = Runtime.getRuntime();
        System.out.println("bytes=" + decrypted.sizeBytes() + " sha256=" + decrypted.sha256Hex() + " millis="
                + elapsedMillis + " heapUsedBytes=" + (runtime.totalMemory() - runtime.freeMemory())
                + " maxHeapBytes=" + runtime.maxMemory());
    }

    private static void printKeys(String mediaKeyBase64, String kind) {
        WhatsAppMediaKeys keys = WhatsAppMediaKeys.derive(Base64.getDecoder().decode(mediaKeyBase64), kind);
        java.util.HexFormat hex = java.util.HexFormat.of();
        System.out.println(hex.formatHex(keys.iv()) + " " + hex.formatHex(keys.cipherKey()) + " "
                + hex.formatHex(keys.macKey()));
    }
}
