package org.ecbridge.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;

/**
 * A {@code messages.upsert} webhook whose {@code data.message.base64} carries a file of random bytes, written as a
 * stream so that files of any size can be generated with a small heap.
 *
 * <p>The envelope has the shape of {@code fixtures/evolution/messages-upsert-document-base64.json}: a
 * {@code documentMessage} with the base64 field after it. The bytes come from a seeded {@link SplittableRandom},
 * so the same size and seed always give the same file.
 */
public final class WebhookFixture {

    private static final int CHUNK_BYTES = 1 << 20;
    private static final long SEED = 0x5EEDL;
    private static final String BASE64_FIELD_START = "\"base64\":\"";

    /** Facts about a generated webhook file. */
    public record Facts(Path file, long mediaSizeBytes, String mediaSha256Hex, long base64OffsetBytes,
            long base64LengthBytes, long fileSizeBytes) {

        /** Returns the facts as {@code key=value} lines, the format {@link #readFacts} reads. */
        String toProperties() {
            return String.join("\n", List.of(
                    "file=" + file.toAbsolutePath(),
                    "mediaSizeBytes=" + mediaSizeBytes,
                    "mediaSha256Hex=" + mediaSha256Hex,
                    "base64OffsetBytes=" + base64OffsetBytes,
                    "base64LengthBytes=" + base64LengthBytes,
                    "fileSizeBytes=" + fileSizeBytes)) + "\n";
        }
    }

    private WebhookFixture() {
    }

    /**
     * Writes the webhook to {@code file}, or reuses it when a complete one of this size is already there. The
     * facts are stored beside it in {@code <file>.facts}, which is written last, so a partial file is never reused.
     */
    public static Facts writeOrReuse(Path file, long mediaSizeBytes) throws IOException {
        Path factsFile = factsFile(file);
        if (Files.exists(factsFile) && Files.exists(file)) {
            Facts facts = readFacts(factsFile);
            if (facts.mediaSizeBytes() == mediaSizeBytes && Files.size(file) == facts.fileSizeBytes()) {
                return facts;
            }
        }
        Facts facts = write(file, mediaSizeBytes);
        Path temporary = factsFile.resolveSibling(factsFile.getFileName() + ".tmp");
        Files.writeString(temporary, facts.toProperties(), StandardCharsets.UTF_8);
        Files.move(temporary, factsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return facts;
    }

    /** Writes the webhook to {@code file}, replacing it. */
    public static Facts write(Path file, long mediaSizeBytes) throws IOException {
        String messageId = "BENCH" + mediaSizeBytes;
        byte[] prefix = envelopePrefix(messageId, mediaSizeBytes).getBytes(StandardCharsets.UTF_8);
        byte[] suffix = envelopeSuffix().getBytes(StandardCharsets.UTF_8);
        MessageDigest sha256 = newSha256();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), CHUNK_BYTES)) {
            out.write(prefix);
            writeRandomBase64(out, mediaSizeBytes, sha256);
            out.write(suffix);
        }
        long base64LengthBytes = 4 * ((mediaSizeBytes + 2) / 3);
        return new Facts(file, mediaSizeBytes, HexFormat.of().formatHex(sha256.digest()), prefix.length,
                base64LengthBytes, Files.size(file));
    }

    /** Reads facts that {@link #writeOrReuse} stored. */
    public static Facts readFacts(Path factsFile) throws IOException {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(factsFile, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return new Facts(Path.of(properties.getProperty("file")),
                Long.parseLong(properties.getProperty("mediaSizeBytes")),
                properties.getProperty("mediaSha256Hex"),
                Long.parseLong(properties.getProperty("base64OffsetBytes")),
                Long.parseLong(properties.getProperty("base64LengthBytes")),
                Long.parseLong(properties.getProperty("fileSizeBytes")));
    }

    static Path factsFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".facts");
    }

    /**
     * Streams {@code sizeBytes} random bytes through a base64 encoder into {@code out}, hashing the raw bytes.
     * The encoder is not closed, because closing it would close {@code out}, so the last chunk's padding is
     * written by encoding that chunk on its own.
     */
    private static void writeRandomBase64(OutputStream out, long sizeBytes, MessageDigest sha256)
            throws IOException {
        SplittableRandom random = new SplittableRandom(SEED);
        // 3 divides CHUNK_BYTES - 1 = 1048575, so every chunk but the last encodes without padding.
        byte[] chunk = new byte[CHUNK_BYTES - 1];
        Base64.Encoder encoder = Base64.getEncoder();
        long remainingBytes = sizeBytes;
        while (remainingBytes > 0) {
            int length = (int) Math.min(chunk.length, remainingBytes);
            fillRandom(random, chunk, length);
            sha256.update(chunk, 0, length);
            byte[] encoded = encoder.encode(length == chunk.length ? chunk : Arrays.copyOf(chunk, length));
            out.write(encoded);
            remainingBytes -= length;
        }
    }

    private static void fillRandom(SplittableRandom random, byte[] bytes, int length) {
        int i = 0;
        while (i + 8 <= length) {
            long value = random.nextLong();
            for (int shift = 0; shift < 64; shift += 8) {
                bytes[i++] = (byte) (value >>> shift);
            }
        }
        while (i < length) {
            bytes[i++] = (byte) random.nextInt();
        }
    }

    private static String envelopePrefix(String messageId, long mediaSizeBytes) {
        String fileName = "bench-" + mediaSizeBytes + ".bin";
        return "{\"event\":\"messages.upsert\",\"instance\":\"bench\",\"data\":{"
                + "\"key\":{\"remoteJid\":\"5511900000001@s.whatsapp.net\",\"fromMe\":false,\"id\":\""
                + messageId + "\"},"
                + "\"pushName\":\"Benchmark\",\"status\":\"DELIVERY_ACK\","
                + "\"message\":{\"documentMessage\":{\"mimetype\":\"application/octet-stream\","
                + "\"title\":\"" + fileName + "\",\"fileLength\":" + mediaSizeBytes + ","
                + "\"fileName\":\"" + fileName + "\",\"caption\":\"benchmark file\",\"contextInfo\":{}},"
                + BASE64_FIELD_START;
    }

    private static String envelopeSuffix() {
        return "\"},\"messageType\":\"documentMessage\",\"messageTimestamp\":1736950300,\"source\":\"web\"},"
                + "\"date_time\":\"2025-01-15T11:11:41.733Z\",\"sender\":\"5511900000000@s.whatsapp.net\","
                + "\"apikey\":null}";
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    /** Returns the SHA-256 of a file as lower-case hex. */
    static String sha256Hex(Path file) throws IOException {
        MessageDigest sha256 = newSha256();
        try (var in = Files.newInputStream(file);
                var out = new DigestOutputStream(OutputStream.nullOutputStream(), sha256)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    /**
     * Writes one webhook and prints its facts as {@code key=value} lines.
     *
     * <p>Usage: {@code WebhookFixture <mediaSizeBytes> <output.json>}
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: WebhookFixture <mediaSizeBytes> <output.json>");
            System.exit(2);
        }
        Facts facts = writeOrReuse(Path.of(args[1]), Long.parseLong(args[0]));
        System.out.print(facts.toProperties());
    }
}
