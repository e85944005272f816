package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ecbridge.testsupport.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decryptor against the WhatsApp media vectors in {@code fixtures/whatsapp-media/vectors.json}. */
class WhatsAppMediaDecryptorTest {

    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/whatsapp-media");
    private static final long NO_LIMIT = Long.MAX_VALUE;

    @TempDir
    Path tempDir;

    @Test
    void everyVectorDecryptsToItsPlainFile() throws Exception {
        for (JsonNode vector : vectors()) {
            Path target = tempDir.resolve(vector.path("plainFile").asText() + ".out");

            WhatsAppMediaDecryptor.DecryptedMedia decrypted = decrypt(vector, vector.path("encFile").asText(),
                    target);

            Path plain = FIXTURES.resolve(vector.path("plainFile").asText());
            assertArrayEquals(Files.readAllBytes(plain), Files.readAllBytes(target), vector.path("encFile").asText());
            assertEquals(Sha256.ofFile(plain), decrypted.sha256Hex(), vector.path("encFile").asText());
            assertEquals(vector.path("fileLength").asLong(), decrypted.sizeBytes(), vector.path("encFile").asText());
        }
    }

    @Test
    void badMacIsRejected() throws Exception {
        JsonNode document = vectorOf("Document");

        MediaIntegrityException failure = assertThrows(MediaIntegrityException.class,
                () -> decrypt(document, "document-bad-mac.enc", tempDir.resolve("bad.out")));

        assertTrue(failure.getMessage().contains("MAC"), failure.getMessage());
    }

    @Test
    void wrongFileSha256IsRejected() throws Exception {
        JsonNode image = vectorOf("Image");
        byte[] wrongSha256 = new byte[32];

        MediaIntegrityException failure = assertThrows(MediaIntegrityException.class,
                () -> decrypt(image, "image.enc", tempDir.resolve("image.out"), wrongSha256,
                        image.path("fileLength").asLong()));

        assertTrue(failure.getMessage().contains("fileSha256"), failure.getMessage());
    }

    @Test
    void wrongFileLengthIsRejected() throws Exception {
        JsonNode image = vectorOf("Image");

        MediaIntegrityException failure = assertThrows(MediaIntegrityException.class,
                () -> decrypt(image, "image.enc", tempDir.resolve("image.out"), base64(image, "fileSha256"),
                        image.path("fileLength").asLong() + 1));

        assertTrue(failure.getMessage().contains("fileLength"), failure.getMessage());
    }

    @Test
    void truncatedDownloadIsRejected() throws Exception {
        JsonNode image = vectorOf("Image");
        byte[] encrypted = Files.readAllBytes(FIXTURES.resolve("image.enc"));
        WhatsAppMediaKeys keys = WhatsAppMediaKeys.derive(base64(image, "mediaKey"), "image");

        for (int length : new int[] {0, 5, WhatsAppMediaDecryptor.MAC_BYTES, 37, encrypted.length - 1}) {
            InputStream truncated = new ByteArrayInputStream(Arrays.copyOf(encrypted, length));

            assertThrows(MediaIntegrityException.class,
                    () -> WhatsAppMediaDecryptor.decrypt(truncated, new ByteArrayOutputStream(), keys),
                    "download cut to " + length + " bytes");
        }
    }

    @Test
    void oneByteReadsGiveTheSameFile() throws Exception {
        JsonNode audio = vectorOf("Audio");
        WhatsAppMediaKeys keys = WhatsAppMediaKeys.derive(base64(audio, "mediaKey"), "audio");
        InputStream trickle = new OneByteInputStream(Files.readAllBytes(FIXTURES.resolve("audio.enc")));
        ByteArrayOutputStream plain = new ByteArrayOutputStream();

        byte[] encSha256 = WhatsAppMediaDecryptor.decrypt(trickle, plain, keys);

        assertArrayEquals(Files.readAllBytes(FIXTURES.resolve("audio.plain")), plain.toByteArray());
        assertArrayEquals(base64(audio, "fileEncSha256"), encSha256);
    }

    @Test
    void stickerUsesImageKeys() {
        byte[] mediaKey = new byte[32];

        WhatsAppMediaKeys sticker = WhatsAppMediaKeys.derive(mediaKey, "sticker");
        WhatsAppMediaKeys image = WhatsAppMediaKeys.derive(mediaKey, "image");

        assertArrayEquals(image.cipherKey(), sticker.cipherKey());
        assertArrayEquals(image.macKey(), sticker.macKey());
    }

    @Test
    void hkdfMatchesRfc5869TestCase1() {
        byte[] inputKey = new byte[22];
        Arrays.fill(inputKey, (byte) 0x0b);
        byte[] salt = HexFormat.of().parseHex("000102030405060708090a0b0c");
        byte[] info = HexFormat.of().parseHex("f0f1f2f3f4f5f6f7f8f9");

        byte[] output = WhatsAppMediaKeys.hkdfSha256(inputKey, salt, info, 42);

        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HexFormat.of().formatHex(output));
    }

    private WhatsAppMediaDecryptor.DecryptedMedia decrypt(JsonNode vector, String encFile, Path target)
            throws IOException {
        return decrypt(vector, encFile, target, base64(vector, "fileSha256"), vector.path("fileLength").asLong());
    }

    private WhatsAppMediaDecryptor.DecryptedMedia decrypt(JsonNode vector, String encFile, Path target,
            byte[] fileSha256, long fileLength) throws IOException {
        String kind = vector.path("mediaType").asText().toLowerCase(Locale.ROOT);
        WhatsAppMediaKeys keys = WhatsAppMediaKeys.derive(base64(vector, "mediaKey"), kind);
        WhatsAppMediaDecryptor.EncryptedMedia facts = new WhatsAppMediaDecryptor.EncryptedMedia(null, null,
                base64(vector, "mediaKey"), base64(vector, "fileEncSha256"), fileSha256, fileLength);
        try (InputStream in = Files.newInputStream(FIXTURES.resolve(encFile))) {
            return WhatsAppMediaDecryptor.decryptTo(in, target, keys, facts, NO_LIMIT);
        }
    }

    private static JsonNode vectors() throws IOException {
        return new ObjectMapper().readTree(FIXTURES.resolve("vectors.json").toFile());
    }

    private static JsonNode vectorOf(String mediaType) throws IOException {
        for (JsonNode vector : vectors()) {
            if (vector.path("mediaType").asText().equals(mediaType)) {
                return vector;
            }
        }
        throw new AssertionError("vectors.json has no " + mediaType + " vector");
    }

    private static byte[] base64(JsonNode vector, String field) {
        return Base64.getDecoder().decode(vector.path(field).asText());
    }

    /** Returns at most one byte per read, to exercise the held-back MAC across reads. */
    private static final class OneByteInputStream extends InputStream {
        private final ByteArrayInputStream in;

        OneByteInputStream(byte[] bytes) {
            this.in = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            return in.read(target, offset, Math.min(1, length));
        }
    }
}
