package org.ecbridge.processors.media;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Writes a staged media file while computing its SHA-256, MD5 and length, and stops with
 * {@link MediaTooLargeException} as soon as more than {@code maxBytes} arrive. In discarding mode it deletes the
 * file at that point instead, and goes on counting the bytes without storing them.
 */
public final class DigestingFileOutputStream extends OutputStream {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final Path file;
    private final OutputStream out;
    private final MessageDigest sha256;
    private final MessageDigest md5;
    private final long maxBytes;
    private final boolean discardBeyondMax;
    private long writtenBytes;
    private boolean discarding;

    public DigestingFileOutputStream(Path file, long maxBytes) throws IOException {
        this(file, maxBytes, false);
    }

    public DigestingFileOutputStream(Path file, long maxBytes, boolean discardBeyondMax) throws IOException {
        this.file = file;
        this.discardBeyondMax = discardBeyondMax;
        this.maxBytes = maxBytes;
        this.out = new BufferedOutputStream(Files.newOutputStream(file), BUFFER_BYTES);
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM lacks SHA-256 or MD5", e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        if (count(1)) {
            sha256.update((byte) b);
            md5.update((byte) b);
            out.write(b);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (count(length)) {
            sha256.update(bytes, offset, length);
            md5.update(bytes, offset, length);
            out.write(bytes, offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    public Path file() {
        return file;
    }

    /** Returns the bytes written, including those discarded past the maximum. */
    public long writtenBytes() {
        return writtenBytes;
    }

    /** Returns true once more than the maximum arrived in discarding mode; the file is deleted then. */
    public boolean oversized() {
        return discarding;
    }

    /** Returns the SHA-256 of everything written; call once, after the last write. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256.digest());
    }

    /**
     * Returns the MD5 of everything written in base64, the {@code checksum} of Active Storage's direct uploads;
     * call once, after the last write.
     */
    public String md5Base64() {
        return Base64.getEncoder().encodeToString(md5.digest());
    }

    /** Counts {@code length} more bytes; returns whether they are to be stored. */
    private boolean count(int length) throws IOException {
        writtenBytes += length;
        if (writtenBytes <= maxBytes) {
            return true;
        }
        if (!discardBeyondMax) {
            throw new MediaTooLargeException(writtenBytes, maxBytes);
        }
        if (!discarding) {
            discarding = true;
            out.close();
            Files.deleteIfExists(file);
        }
        return false;
    }
}
