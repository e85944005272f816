package org.ecbridge.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@code multipart/form-data} body (RFC 7578) part by part as a stream, so a part of any size passes
 * through a fixed buffer. Usage: call {@link #nextPart()} until it returns null and, after each part, copy or
 * skip its content with {@link #copyContent(OutputStream)}.
 */
final class MultipartStreamReader {

    private static final int BUFFER_BYTES = 256 * 1024;
    private static final int MAX_HEADER_LINE_BYTES = 8 * 1024;

    private final InputStream in;
    private final byte[] delimiter;
    private final int[] shiftBytes;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int start;
    private int end;
    private boolean endOfInput;
    private boolean closed;

    /** The headers of one part, with lower-case names. */
    record Part(Map<String, String> headers) {

        /** Returns a parameter of Content-Disposition, such as {@code name}, without its quotes, or null. */
        String dispositionParameter(String parameter) {
            String disposition = headers.getOrDefault("content-disposition", "");
            for (String item : disposition.split(";")) {
                String[] pair = item.trim().split("=", 2);
                if (pair.length == 2 && pair[0].trim().equalsIgnoreCase(parameter)) {
                    return unquote(pair[1].trim());
                }
            }
            return null;
        }

        private static String unquote(String value) {
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                return value.substring(1, value.length() - 1);
            }
            return value;
        }
    }

    MultipartStreamReader(InputStream in, String boundary) throws IOException {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.shiftBytes = shiftTable(delimiter);
        // The first delimiter opens the body without the CRLF that precedes the others, so one is put in front.
        buffer[0] = '\r';
        buffer[1] = '\n';
        end = 2;
        copyContent(OutputStream.nullOutputStream());
    }

    /** Returns the boundary parameter of a multipart Content-Type, or null when there is none. */
    static String boundaryOf(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        for (String item : contentType.split(";")) {
            String[] pair = item.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("boundary")) {
                return Part.unquote(pair[1].trim());
            }
        }
        return null;
    }

    /** Reads the headers of the next part, or returns null after the closing delimiter. */
    Part nextPart() throws IOException {
        if (closed) {
            return null;
        }
        String delimiterLineRest = readLine().trim();
        if (delimiterLineRest.startsWith("--")) {
            closed = true;
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("invalid multipart header line: " + line);
            }
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return new Part(headers);
    }

    /** Copies the current part's content to {@code out}, up to the next delimiter, and returns its length. */
    long copyContent(OutputStream out) throws IOException {
        long copiedBytes = 0;
        while (true) {
            int match = indexOfDelimiter();
            if (match >= 0) {
                out.write(buffer, start, match - start);
                copiedBytes += match - start;
                start = match + delimiter.length;
                return copiedBytes;
            }
            int safeEnd = Math.max(start, end - (delimiter.length - 1));
            out.write(buffer, start, safeEnd - start);
            copiedBytes += safeEnd - start;
            start = safeEnd;
            if (!fill()) {
                throw new IOException("multipart body ended inside a part, before its closing delimiter");
            }
        }
    }

    /**
     * Returns the offset of the next delimiter in the buffer, or -1. A Boyer-Moore-Horspool search, which in
     * random data moves about the delimiter's length per comparison, so the sink keeps up with the bridge.
     */
    private int indexOfDelimiter() {
        int lastIndex = delimiter.length - 1;
        for (int i = start; i + lastIndex < end; i += shiftBytes[buffer[i + lastIndex] & 0xFF]) {
            if (matchesDelimiterAt(i)) {
                return i;
            }
        }
        return -1;
    }

    private boolean matchesDelimiterAt(int offset) {
        for (int j = delimiter.length - 1; j >= 0; j--) {
            if (buffer[offset + j] != delimiter[j]) {
                return false;
            }
        }
        return true;
    }

    /** Horspool's bad-character table: how far the search may move when the window ends with a given byte. */
    private static int[] shiftTable(byte[] pattern) {
        int[] shifts = new int[256];
        Arrays.fill(shifts, pattern.length);
        for (int i = 0; i < pattern.length - 1; i++) {
            shifts[pattern[i] & 0xFF] = pattern.length - 1 - i;
        }
        return shifts;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            for (int i = start; i + 1 < end; i++) {
                if (buffer[i] == '\r' && buffer[i + 1] == '\n') {
                    line.write(buffer, start, i - start);
                    start = i + 2;
                    return line.toString(StandardCharsets.UTF_8);
                }
            }
            int keep = end - start > 0 && buffer[end - 1] == '\r' ? 1 : 0;
            line.write(buffer, start, end - start - keep);
            start = end - keep;
            if (line.size() > MAX_HEADER_LINE_BYTES) {
                throw new IOException("multipart header line is longer than " + MAX_HEADER_LINE_BYTES + " bytes");
            }
            if (!fill()) {
                throw new IOException("multipart body ended inside a header line");
            }
        }
    }

    /** Moves the unread bytes to the front of the buffer and reads more; returns false at the end of input. */
    private boolean fill() throws IOException {
        if (endOfInput) {
            return false;
        }
        System.arraycopy(buffer, start, buffer, 0, end - start);
        end -= start;
        start = 0;
        int read = in.read(buffer, end, buffer.length - end);
        if (read < 0) {
            endOfInput = true;
            return false;
        }
        end += read;
        return true;
    }
}
