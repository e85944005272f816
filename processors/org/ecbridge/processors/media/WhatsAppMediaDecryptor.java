package org.ecbridge.processors.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.webhook.MessageUpsertMapper;
import org.ecbridge.processors.webhook.WhatsAppFields;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code media-from-whatsapp-cdn} route: download a message's encrypted file from WhatsApp's CDN
 * and decrypt it as a stream into the staging area.
 *
 * <p>The download is AES-256-CBC ciphertext with PKCS#7 padding followed by a 10-byte MAC, the first 10 bytes of
 * HMAC-SHA256(macKey, IV ‖ ciphertext). The last 10 bytes of the stream are held back from the cipher, and
 * the plaintext goes to a temporary file while the HMAC and the SHA-256s are computed. The file is moved into
 * place only when the MAC, {@code fileEncSha256}, {@code fileSha256} and {@code fileLength} all match. Memory use
 * is a few buffers of 64 KiB whatever the file's size.
 */
public final class WhatsAppMediaDecryptor {

    public static final String SOURCE = "whatsapp-cdn";
    public static final int MAC_BYTES = 10;

    private static final Logger LOG = LoggerFactory.getLogger(WhatsAppMediaDecryptor.class);
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int AES_BLOCK_BYTES = 16;

    /** Facts of a message's encrypted file, from its content object; hashes and length are null when absent. */
    public record EncryptedMedia(String downloadPath, String url, byte[] mediaKey, byte[] fileEncSha256,
            byte[] fileSha256, Long fileLength) {
    }

    /** A file that passed every check. */
    public record DecryptedMedia(long sizeBytes, String sha256Hex, String md5Base64) {
    }

    private final StagingArea staging;
    private final MediaStager stager;
    private final String cdnBaseUrl;
    private final long maxMediaBytes;

    public WhatsAppMediaDecryptor(StagingArea staging, MediaStager stager, String cdnBaseUrl, long maxMediaBytes) {
        this.staging = staging;
        this.stager = stager;
        this.cdnBaseUrl = cdnBaseUrl.endsWith("/") ? cdnBaseUrl.substring(0, cdnBaseUrl.length() - 1) : cdnBaseUrl;
        this.maxMediaBytes = maxMediaBytes;
    }

    /** Returns true when the media is not staged yet and its message has a mediaKey and a directPath or url. */
    public boolean available(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        if (message.media == null || message.media.file != null || message.media.oversizedBytes != null) {
            return false;
        }
        Optional<EncryptedMedia> encrypted = encryptedMedia(message);
        if (encrypted.isEmpty()) {
            LOG.debug("Message {} of instance {} has no mediaKey with a directPath or url; skipping {}",
                    message.messageId, message.instance, SOURCE);
        }
        return encrypted.isPresent();
    }

    /** Prepares the GET of the encrypted file: the CDN base URL plus {@code directPath}, else {@code url}. */
    public void cdnRequest(Exchange exchange) {
        EncryptedMedia encrypted = encryptedMedia(ChatwootRequests.message(exchange)).orElseThrow();

        String uri = encrypted.downloadPath() != null ? cdnBaseUrl + encrypted.downloadPath() : encrypted.url();

        exchange.getIn().removeHeaders("*");
        exchange.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
        exchange.getIn().setHeader(Exchange.HTTP_URI, uri);
        exchange.getIn().setBody(null);
    }

    /** Decrypts the download (the raw response stream) into the staging area, or throws without staging it. */
    public void stageDecrypted(Exchange exchange) throws Exception {
        StagedMessage message = ChatwootRequests.message(exchange);
        EncryptedMedia encrypted = encryptedMedia(message).orElseThrow();
        WhatsAppMediaKeys keys = WhatsAppMediaKeys.derive(encrypted.mediaKey(), message.media.kind);
        Path temporary = staging.newTemporaryFile(".part");

        try (InputStream in = exchange.getIn().getMandatoryBody(InputStream.class)) {
            DecryptedMedia decrypted = decryptTo(in, temporary, keys, encrypted, maxMediaBytes);
            stager.place(message, temporary, decrypted, SOURCE);
            LOG.debug("Decrypted {} bytes of {} from WhatsApp's CDN for message {} of instance {}",
                    decrypted.sizeBytes(), message.media.kind, message.messageId, message.instance);
        } catch (MediaTooLargeException e) {
            MediaStager.stopOversized(message, e, SOURCE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Decrypts {@code encrypted} into {@code target} and checks it against the message's facts.
     *
     * @throws MediaIntegrityException on a MAC, hash, length or padding mismatch; {@code target} is then invalid
     * @throws MediaTooLargeException  once the plaintext grows past {@code maxBytes}
     */
    public static DecryptedMedia decryptTo(InputStream encrypted, Path target, WhatsAppMediaKeys keys,
            EncryptedMedia facts, long maxBytes) throws IOException {
        DecryptedMedia decrypted;
        try (DigestingFileOutputStream out = new DigestingFileOutputStream(target, maxBytes)) {
            byte[] encSha256 = decrypt(encrypted, out, keys);
            out.close();
            if (facts.fileEncSha256() != null && !MessageDigest.isEqual(encSha256, facts.fileEncSha256())) {
                throw new MediaIntegrityException("the download's SHA-256 " + base64(encSha256)
                        + " differs from the message's fileEncSha256 " + base64(facts.fileEncSha256()));
            }
            decrypted = new DecryptedMedia(out.writtenBytes(), out.sha256Hex(), out.md5Base64());
        }

        if (facts.fileSha256() != null && !decrypted.sha256Hex().equals(HexFormat.of().formatHex(facts.fileSha256()))) {
            throw new MediaIntegrityException("the decrypted file's SHA-256 " + decrypted.sha256Hex()
                    + " differs from the message's fileSha256 " + HexFormat.of().formatHex(facts.fileSha256()));
        }
        if (facts.fileLength() != null && decrypted.sizeBytes() != facts.fileLength()) {
            throw new MediaIntegrityException("the decrypted file has " + decrypted.sizeBytes()
                    + " bytes but the message's fileLength is " + facts.fileLength());
        }
        return decrypted;
    }

    /**
     * Decrypts a WhatsApp media stream into {@code plain} and returns the SHA-256 of the whole download. The MAC
     * is checked before the final block is written.
     *
     * @throws MediaIntegrityException when the MAC does not match or the stream is too short or misaligned
     */
    public static byte[] decrypt(InputStream encrypted, OutputStream plain, WhatsAppMediaKeys keys)
            throws IOException {
        Cipher cipher = initCipher(keys);
        Mac mac = initMac(keys);
        MessageDigest encSha256 = sha256();
        byte[] buffer = new byte[BUFFER_BYTES + MAC_BYTES];
        byte[] output = new byte[BUFFER_BYTES + AES_BLOCK_BYTES];
        int heldBytes = 0;
        long cipherBytes = 0;

        int read;
        while ((read = encrypted.read(buffer, heldBytes, BUFFER_BYTES)) >= 0) {
            int available = heldBytes + read;
            int ready = available - MAC_BYTES;
            if (ready <= 0) {
                heldBytes = available;
                continue;
            }
            encSha256.update(buffer, 0, ready);
            mac.update(buffer, 0, ready);
            writeUpdate(cipher, buffer, ready, output, plain);
            cipherBytes += ready;
            System.arraycopy(buffer, ready, buffer, 0, MAC_BYTES);
            heldBytes = MAC_BYTES;
        }

        if (heldBytes < MAC_BYTES || cipherBytes == 0 || cipherBytes % AES_BLOCK_BYTES != 0) {
            throw new MediaIntegrityException("the download has " + (cipherBytes + heldBytes) + " bytes, which is not "
                    + "AES-CBC ciphertext followed by a " + MAC_BYTES + "-byte MAC");
        }
        encSha256.update(buffer, 0, MAC_BYTES);
        byte[] expectedMac = mac.doFinal();
        if (!MessageDigest.isEqual(java.util.Arrays.copyOf(expectedMac, MAC_BYTES),
                java.util.Arrays.copyOf(buffer, MAC_BYTES))) {
            throw new MediaIntegrityException("the download's MAC does not match its mediaKey: the file is "
                    + "corrupt or belongs to another message");
        }
        writeFinal(cipher, output, plain);
        return encSha256.digest();
    }

    /** Reads the encrypted-file facts from the message's content object, inside any wrappers. */
    static Optional<EncryptedMedia> encryptedMedia(StagedMessage message) {
        Optional<JsonNode> content = MessageUpsertMapper.contentOf(message.message).map(Map.Entry::getValue);
        if (content.isEmpty()) {
            return Optional.empty();
        }
        JsonNode body = content.get();
        Optional<byte[]> mediaKey = WhatsAppFields.bytes(body.get("mediaKey"));
        String directPath = text(body, "directPath");
        String url = text(body, "url");
        String downloadPath = directPath != null && directPath.startsWith("/") ? directPath : null;
        if (mediaKey.isEmpty() || (downloadPath == null && url == null)) {
            return Optional.empty();
        }
        return Optional.of(new EncryptedMedia(downloadPath, url, mediaKey.get(),
                WhatsAppFields.bytes(body.get("fileEncSha256")).orElse(null),
                WhatsAppFields.bytes(body.get("fileSha256")).orElse(null),
                WhatsAppFields.longValue(body.get("fileLength")).orElse(null)));
    }

    private static void writeUpdate(Cipher cipher, byte[] input, int length, byte[] output, OutputStream plain)
            throws IOException {
        try {
            int produced = cipher.update(input, 0, length, output);
            plain.write(output, 0, produced);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES output buffer too small", e);
        }
    }

    private static void writeFinal(Cipher cipher, byte[] output, OutputStream plain) throws IOException {
        try {
            int produced = cipher.doFinal(output, 0);
            plain.write(output, 0, produced);
        } catch (javax.crypto.BadPaddingException | javax.crypto.IllegalBlockSizeException e) {
            throw new MediaIntegrityException("the decrypted file has invalid PKCS#7 padding although its MAC "
                    + "matches: " + e.getMessage());
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException("AES output buffer too small", e);
        }
    }

    private static Cipher initCipher(WhatsAppMediaKeys keys) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(keys.cipherKey(), "AES"),
                    new IvParameterSpec(keys.iv()));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot decrypt AES-256-CBC", e);
        }
    }

    private static Mac initMac(WhatsAppMediaKeys keys) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keys.macKey(), "HmacSHA256"));
            mac.update(keys.iv());
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM has no HmacSHA256", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }
}
