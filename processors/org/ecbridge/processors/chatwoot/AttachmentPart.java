package org.ecbridge.processors.chatwoot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;

import org.apache.hc.client5.http.entity.mime.FileBody;
import org.apache.hc.client5.http.entity.mime.FormBodyPart;
import org.apache.hc.client5.http.entity.mime.FormBodyPartBuilder;
import org.apache.hc.core5.http.ContentType;

/**
 * Builds the multipart part of a file with a {@code Content-Disposition} that carries the name twice: an ASCII
 * {@code filename="..."} fallback and the exact name as RFC 5987 {@code filename*=UTF-8''...}, so that accents,
 * Arabic and {@code %} survive.
 *
 * <p>HttpClient 5.5.1 does not write that pair itself. In {@code HttpMultipartMode.EXTENDED} it percent-encodes
 * the plain {@code filename} (a receiver that reads it literally sees {@code or%C3%A7amento.pdf}), and for names
 * outside Latin-1 it adds a quoted {@code filename*} whose value is percent-encoded twice. Rack 3's multipart
 * parser, which Chatwoot uses, takes {@code filename*} when present and percent-decodes it; older Rack 2 releases
 * take {@code filename} first, and they then see the ASCII fallback.
 */
public final class AttachmentPart {

    private static final String CONTENT_DISPOSITION = "Content-Disposition";
    /** RFC 5987 {@code attr-char}s other than letters and digits, which stay unencoded. */
    private static final String ATTR_CHAR_MARKS = "!#$&+-.^_`|~";
    private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();

    private AttachmentPart() {
    }

    /** Returns the form part {@code fieldName} that streams {@code file} from disk as {@code fileName}. */
    public static FormBodyPart file(String fieldName, Path file, ContentType contentType, String fileName) {
        FileBody body = new FileBody(file.toFile(), contentType, asciiFallback(fileName));
        return FormBodyPartBuilder.create(fieldName, body)
                .setField(CONTENT_DISPOSITION, contentDisposition(fieldName, fileName))
                .build();
    }

    /** Returns the {@code Content-Disposition} value, in ASCII, of a form part that carries a file. */
    public static String contentDisposition(String fieldName, String fileName) {
        return "form-data; name=\"" + quotable(fieldName) + "\"; filename=\"" + asciiFallback(fileName)
                + "\"; filename*=UTF-8''" + encodeExtendedValue(fileName);
    }

    /**
     * Returns a printable ASCII form of a file name: accents are dropped from their letters, and every other
     * character outside printable ASCII, as well as {@code "}, {@code \} and {@code %}, becomes {@code _} (one for
     * each run). Rack percent-decodes a plain {@code filename} whose {@code %} signs all start an escape, so a
     * literal {@code %} could change the name.
     */
    static String asciiFallback(String fileName) {
        String decomposed = Normalizer.normalize(fileName, Normalizer.Form.NFD);
        StringBuilder ascii = new StringBuilder(decomposed.length());
        boolean replacing = false;
        for (int i = 0; i < decomposed.length(); i++) {
            char c = decomposed.charAt(i);
            if (Character.getType(c) == Character.NON_SPACING_MARK) {
                continue;
            }
            boolean printable = c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%';
            if (printable) {
                ascii.append(c);
            } else if (!replacing) {
                ascii.append('_');
            }
            replacing = !printable;
        }
        return ascii.toString();
    }

    /** Percent-encodes the UTF-8 bytes of {@code value} except RFC 5987 {@code attr-char}s. */
    static String encodeExtendedValue(String value) {
        StringBuilder encoded = new StringBuilder(value.length() * 3);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int unsigned = b & 0xFF;
            if (isAttrChar(unsigned)) {
                encoded.append((char) unsigned);
            } else {
                encoded.append('%').append(HEX_DIGITS[unsigned >> 4]).append(HEX_DIGITS[unsigned & 0x0F]);
            }
        }
        return encoded.toString();
    }

    private static boolean isAttrChar(int c) {
        boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        return letterOrDigit || ATTR_CHAR_MARKS.indexOf(c) >= 0;
    }

    private static String quotable(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
