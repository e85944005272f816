package org.ecbridge.testsupport;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the header block of each part of a {@code multipart/form-data} body as the body streams past, keeping
 * only the headers and never the part contents.
 *
 * <p>Vert.x's {@code FileUpload.fileName()} comes from Netty's multipart decoder, which keeps whichever of
 * {@code filename} and {@code filename*} appears last in {@code Content-Disposition} (seen with Netty
 * 4.1.128). This scanner gives the stand-in the raw parameters, so that {@code filename*} can take precedence
 * wherever it appears.
 */
final class MultipartPartScanner {

    /** Header blocks larger than this stop the scan, and the caller falls back to Netty's file names. */
    private static final int MAX_HEADER_BLOCK_BYTES = 64 * 1024;
    private static final int MAX_DELIMITER_LINE_BYTES = 1024;
    private static final int CRLF = 0x0D0A;
    private static final int CRLF_CRLF = 0x0D0A0D0A;
    private static final int DASH_DASH = 0x2D2D;

    private enum State { SEARCHING_DELIMITER, READING_DELIMITER_LINE, READING_HEADERS, DONE }

    private final byte[] delimiter;
    private final int[] fallback;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final List<Part> parts = new ArrayList<>();
    /** Length and SHA-256 of each part's content, in part order, as the bytes crossed the wire. */
    private final List<PartContent> contents = new ArrayList<>();
    private PartContent content;
    private State state = State.SEARCHING_DELIMITER;
    private int matchedBytes;
    /** The last four bytes read, most recent in the low byte. */
    private int recentBytes;
    private boolean overflowed;

    /**
     * One part's field name and file name. {@code file} is true when {@code Content-Disposition} has a
     * {@code filename} or {@code filename*} parameter, and {@code fileName} is null when neither is usable.
     */
    record Part(String fieldName, String fileName, boolean file) {
    }

    MultipartPartScanner(String boundary) {
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.fallback = failureFunction(delimiter);
        // The first delimiter may open the body without a preceding CRLF, so the CRLF counts as already seen.
        this.matchedBytes = 2;
    }

    /** Returns a scanner for a request with {@code contentType}, or null when it is not multipart/form-data. */
    static MultipartPartScanner forContentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        HeaderParameters parsed = HeaderParameters.parse(contentType);
        String boundary = parsed.parameter("boundary");
        if (!"multipart/form-data".equals(parsed.type()) || boundary == null || boundary.isEmpty()) {
            return null;
        }
        return new MultipartPartScanner(boundary);
    }

    synchronized void feed(Buffer chunk) {
        if (state == State.DONE) {
            return;
        }
        byte[] bytes = chunk.getBytes();
        for (int i = 0; i < bytes.length && state != State.DONE; i++) {
            step(bytes[i]);
        }
    }

    /** Returns the parts seen so far, or null when a header block was too large to trust the result. */
    synchronized List<Part> parts() {
        return overflowed ? null : List.copyOf(parts);
    }

    /**
     * Returns the length and SHA-256 of each complete part's content in part order, computed from the raw body,
     * or null after an overflow. The stand-in trusts these over the files Netty's decoder stored.
     */
    synchronized List<PartContent> contents() {
        return overflowed ? null : List.copyOf(contents);
    }

    /** Length and SHA-256 of one part's content. */
    static final class PartContent {
        private final java.security.MessageDigest digest = Sha256.newDigest();
        private long sizeBytes;

        private void update(byte b) {
            digest.update(b);
            sizeBytes++;
        }

        long sizeBytes() {
            return sizeBytes;
        }

        String sha256() {
            return java.util.HexFormat.of().formatHex(((java.security.MessageDigest) digestCopy()).digest());
        }

        private Object digestCopy() {
            try {
                return digest.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void step(byte b) {
        switch (state) {
            case SEARCHING_DELIMITER -> searchDelimiter(b);
            case READING_DELIMITER_LINE -> readDelimiterLine(b);
            case READING_HEADERS -> readHeaders(b);
            default -> {
            }
        }
    }

    /** Advances a Knuth-Morris-Pratt match of the delimiter by one byte. */
    private void searchDelimiter(byte b) {
        int matchedBefore = matchedBytes;
        while (matchedBytes > 0 && delimiter[matchedBytes] != b) {
            matchedBytes = fallback[matchedBytes - 1];
        }
        if (delimiter[matchedBytes] == b) {
            matchedBytes++;
        }
        if (content != null) {
            // Bytes that can no longer start the delimiter belong to the part: the head of the candidate
            // delimiter[0, matchedBefore) followed by b, minus what still matches.
            int releasedBytes = matchedBefore + 1 - matchedBytes;
            for (int k = 0; k < releasedBytes; k++) {
                content.update(k < matchedBefore ? delimiter[k] : b);
            }
        }
        if (matchedBytes == delimiter.length) {
            if (content != null) {
                contents.add(content);
                content = null;
            }
            matchedBytes = 0;
            pending.reset();
            recentBytes = 0;
            state = State.READING_DELIMITER_LINE;
        }
    }

    /** Reads the rest of a delimiter line: {@code --} closes the body, anything else ends at the line feed. */
    private void readDelimiterLine(byte b) {
        pending.write(b);
        recentBytes = (recentBytes << 8) | (b & 0xFF);
        if (pending.size() == 2 && (recentBytes & 0xFFFF) == DASH_DASH) {
            state = State.DONE;
        } else if (b == '\n') {
            startHeaders();
        } else if (pending.size() > MAX_DELIMITER_LINE_BYTES) {
            stopWithOverflow();
        }
    }

    private void startHeaders() {
        pending.reset();
        recentBytes = 0;
        state = State.READING_HEADERS;
    }

    private void readHeaders(byte b) {
        pending.write(b);
        recentBytes = (recentBytes << 8) | (b & 0xFF);
        if (pending.size() > MAX_HEADER_BLOCK_BYTES) {
            stopWithOverflow();
            return;
        }
        boolean noHeaders = pending.size() == 2 && (recentBytes & 0xFFFF) == CRLF;
        if (noHeaders || recentBytes == CRLF_CRLF) {
            parts.add(parsePart(pending.toString(StandardCharsets.UTF_8)));
            pending.reset();
            content = new PartContent();
            state = State.SEARCHING_DELIMITER;
        }
    }

    private static Part parsePart(String headerBlock) {
        for (String line : headerBlock.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-disposition")) {
                HeaderParameters disposition = HeaderParameters.parse(line.substring(colon + 1));
                boolean file = disposition.parameter("filename") != null || disposition.parameter("filename*") != null;
                return new Part(disposition.parameter("name"), disposition.fileName(), file);
            }
        }
        return new Part(null, null, false);
    }

    private void stopWithOverflow() {
        overflowed = true;
        state = State.DONE;
    }

    private static int[] failureFunction(byte[] pattern) {
        int[] table = new int[pattern.length];
        int length = 0;
        for (int i = 1; i < pattern.length; i++) {
            while (length > 0 && pattern[i] != pattern[length]) {
                length = table[length - 1];
            }
            if (pattern[i] == pattern[length]) {
                length++;
            }
            table[i] = length;
        }
        return table;
    }
}
