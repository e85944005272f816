package org.ecbridge.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A {@code messages.upsert} webhook for a document of any size, produced as a stream: the file is pseudo-random
 * bytes from a seed, encoded to base64 on the fly, so neither the file nor the body is ever held in memory.
 */
public final class GeneratedWebhook {

    private static final int CHUNK_BYTES = 48 * 1024;

    private final String messageId;
    private final String fileName;
    private final String mimetype;
    private final long fileBytes;
    private final long seed;
    private final String phone;

    public GeneratedWebhook(String messageId, String fileName, String mimetype, long fileBytes, long seed) {
        this(messageId, "5511900000001", fileName, mimetype, fileBytes, seed);
    }

    /** A webhook from the WhatsApp number {@code phone} (digits only, such as {@code 5511900000001}). */
    public GeneratedWebhook(String messageId, String phone, String fileName, String mimetype, long fileBytes,
            long seed) {
        this.phone = phone;
        this.messageId = messageId;
        this.fileName = fileName;
        this.mimetype = mimetype;
        this.fileBytes = fileBytes;
        this.seed = seed;
    }

    /** Returns the length in bytes of the whole JSON body. */
    public long bodyBytes() {
        return prefix().length + 4 * ((fileBytes + 2) / 3) + suffix().length;
    }

    public InputStream body() {
        return new SequenceInputStream(java.util.Collections.enumeration(List.of(new ByteArrayInputStream(prefix()),
                new Base64Stream(), new ByteArrayInputStream(suffix()))));
    }

    /** Returns the SHA-256 of the file, computed by generating it once more. */
    public String fileSha256() throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = fileBytesStream()) {
            byte[] buffer = new byte[CHUNK_BYTES];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Returns the raw file as a stream, the bytes the base64 field encodes. */
    public InputStream fileBytesStream() {
        return new InputStream() {
            private final Random random = new Random(seed);
            private final byte[] chunk = new byte[CHUNK_BYTES];
            private int position = CHUNK_BYTES;
            private long remaining = fileBytes;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] target, int offset, int length) {
                if (remaining == 0) {
                    return -1;
                }
                if (position == CHUNK_BYTES) {
                    random.nextBytes(chunk);
                    position = 0;
                }
                int count = (int) Math.min(Math.min(length, CHUNK_BYTES - position), remaining);
                System.arraycopy(chunk, position, target, offset, count);
                position += count;
                remaining -= count;
                return count;
            }
        };
    }

    private byte[] prefix() {
        return ("{\"event\":\"messages.upsert\",\"instance\":\"atendimento-exemplo\",\"data\":{\"key\":{"
                + "\"remoteJid\":\"" + phone + "@s.whatsapp.net\",\"fromMe\":false,\"id\":\"" + messageId + "\"},"
                + "\"pushName\":\"Cliente Exemplo\",\"message\":{\"documentMessage\":{\"mimetype\":\"" + mimetype
                + "\",\"fileName\":\"" + fileName + "\",\"fileLength\":{\"low\":" + (int) fileBytes + ",\"high\":"
                + (fileBytes >>> 32) + ",\"unsigned\":true}},\"base64\":\"").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] suffix() {
        return ("\"},\"messageType\":\"documentMessage\",\"messageTimestamp\":1736950000},"
                + "\"destination\":\"http://127.0.0.1/webhook/evolution\",\"apikey\":null}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The base64 text of the file, encoded in chunks whose size is a multiple of 3 bytes. */
    private final class Base64Stream extends InputStream {
        private final InputStream file = fileBytesStream();
        private final Base64.Encoder encoder = Base64.getEncoder();
        private final byte[] raw = new byte[CHUNK_BYTES];
        private byte[] encoded = new byte[0];
        private int position;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (position == encoded.length && !refill()) {
                return -1;
            }
            int count = Math.min(length, encoded.length - position);
            System.arraycopy(encoded, position, target, offset, count);
            position += count;
            return count;
        }

        private boolean refill() throws IOException {
            int filled = 0;
            while (filled < raw.length) {
                int read = file.read(raw, filled, raw.length - filled);
                if (read < 0) {
                    break;
                }
                filled += read;
            }
            if (filled == 0) {
                return false;
            }
            encoded = encoder.encode(filled == raw.length ? raw : java.util.Arrays.copyOf(raw, filled));
            position = 0;
            return true;
        }
    }
}
