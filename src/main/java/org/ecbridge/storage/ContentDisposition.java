package org.ecbridge.storage;

import java.nio.charset.StandardCharsets;

/**
 * Builds {@code Content-Disposition} values with an ASCII {@code filename} and an RFC 5987 {@code filename*} in
 * UTF-8, so accents, Arabic and {@code %} survive in browsers and in Chatwoot.
 */
public final class ContentDisposition {

    private static final String ATTR_CHARS =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~";

    private ContentDisposition() {
    }

    public static String attachment(String fileName) {
        return "attachment; filename=\"" + asciiFallback(fileName) + "\"; filename*=UTF-8''" + encode(fileName);
    }

    /** Percent-encodes every byte of the UTF-8 name that RFC 5987's attr-char does not allow. */
    public static String encode(String fileName) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : fileName.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (c < 0x80 && ATTR_CHARS.indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xFF));
            }
        }
        return encoded.toString();
    }

    /** Replaces what a quoted ASCII {@code filename} cannot carry with {@code _}. */
    public static String asciiFallback(String fileName) {
        StringBuilder ascii = new StringBuilder();
        fileName.codePoints().forEach(c -> ascii.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\'
                && c != '%' ? (char) c : '_'));
        return ascii.toString();
    }
}
