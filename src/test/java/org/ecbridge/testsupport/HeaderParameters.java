package org.ecbridge.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A header value of the form {@code type; name=value; name="quoted value"}, as used by {@code Content-Type} and
 * {@code Content-Disposition}. Parameter names are lower-cased, and values are unquoted but not decoded.
 */
record HeaderParameters(String type, Map<String, String> parameters) {

    static HeaderParameters parse(String headerValue) {
        Map<String, String> parameters = new LinkedHashMap<>();
        int semicolon = headerValue.indexOf(';');
        String type = (semicolon < 0 ? headerValue : headerValue.substring(0, semicolon)).trim();
        int position = semicolon < 0 ? headerValue.length() : semicolon + 1;
        while (position < headerValue.length()) {
            position = parseParameter(headerValue, position, parameters);
        }
        return new HeaderParameters(type.toLowerCase(Locale.ROOT), parameters);
    }

    String parameter(String name) {
        return parameters.get(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Returns the file name of a {@code Content-Disposition} value: the RFC 5987 {@code filename*} when present
     * and decodable (RFC 6266 section 4.3 gives it precedence), else the plain {@code filename}, else null.
     */
    String fileName() {
        String extended = parameter("filename*");
        if (extended != null) {
            String decoded = decodeExtendedValue(extended);
            if (decoded != null) {
                return decoded;
            }
        }
        return parameter("filename");
    }

    /** Decodes an RFC 5987 {@code charset'language'percent-encoded} value, or returns null when it is invalid. */
    static String decodeExtendedValue(String value) {
        int firstQuote = value.indexOf('\'');
        int secondQuote = firstQuote < 0 ? -1 : value.indexOf('\'', firstQuote + 1);
        if (secondQuote < 0) {
            return null;
        }
        Charset charset = charset(value.substring(0, firstQuote));
        if (charset == null) {
            return null;
        }
        return percentDecode(value.substring(secondQuote + 1), charset);
    }

    private static int parseParameter(String text, int start, Map<String, String> parameters) {
        int equals = text.indexOf('=', start);
        int semicolon = text.indexOf(';', start);
        if (equals < 0 || (semicolon >= 0 && semicolon < equals)) {
            return semicolon < 0 ? text.length() : semicolon + 1;
        }
        String name = text.substring(start, equals).trim().toLowerCase(Locale.ROOT);
        int valueStart = skipWhitespace(text, equals + 1);
        if (valueStart < text.length() && text.charAt(valueStart) == '"') {
            return parseQuotedValue(text, valueStart + 1, name, parameters);
        }
        int end = semicolon < 0 ? text.length() : semicolon;
        parameters.putIfAbsent(name, text.substring(valueStart, end).trim());
        return semicolon < 0 ? text.length() : semicolon + 1;
    }

    /** Reads a quoted-string whose opening quote precedes {@code start}, where a backslash escapes one character. */
    private static int parseQuotedValue(String text, int start, String name, Map<String, String> parameters) {
        StringBuilder value = new StringBuilder();
        int position = start;
        while (position < text.length() && text.charAt(position) != '"') {
            char c = text.charAt(position);
            if (c == '\\' && position + 1 < text.length()) {
                position++;
                c = text.charAt(position);
            }
            value.append(c);
            position++;
        }
        parameters.putIfAbsent(name, value.toString());
        int semicolon = text.indexOf(';', position);
        return semicolon < 0 ? text.length() : semicolon + 1;
    }

    private static int skipWhitespace(String text, int position) {
        int current = position;
        while (current < text.length() && Character.isWhitespace(text.charAt(current))) {
            current++;
        }
        return current;
    }

    private static Charset charset(String name) {
        try {
            return name.isEmpty() ? StandardCharsets.ISO_8859_1 : Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return null;
        }
    }

    private static String percentDecode(String encoded, Charset charset) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c > 0x7F) {
                return null;
            }
            if (c != '%') {
                bytes.write(c);
                continue;
            }
            if (i + 2 >= encoded.length()) {
                return null;
            }
            int high = Character.digit(encoded.charAt(i + 1), 16);
            int low = Character.digit(encoded.charAt(i + 2), 16);
            if (high < 0 || low < 0) {
                return null;
            }
            bytes.write(high * 16 + low);
            i += 2;
        }
        return bytes.toString(charset);
    }
}
