package org.ecbridge.processors.media;

import java.nio.charset.Charset;
import java.util.Locale;

/**
 * The result of charset detection for a text-like file.
 *
 * @param kind       the class the {@code text-charset} route chooses on
 * @param charset    the charset of the bytes, or null for {@link Kind#BINARY} and {@link Kind#UNDETECTED}
 * @param bomBytes   length of the byte order mark at the start of the file, 0 when there is none
 * @param confidence ICU4J's confidence (0 to 100) for a statistically detected charset, 100 for a BOM or a
 *                   verified decoding, 0 for the configured fallback
 * @param reason     how the charset was found, for logs
 */
public record TextCharset(Kind kind, Charset charset, int bomBytes, int confidence, String reason) {

    /** Classes of text, named as the {@code text-charset} route's {@code choice} compares them. */
    public enum Kind {
        /** Only bytes below 0x80, so already valid UTF-8. */
        ASCII("ascii"),
        UTF_8("utf-8"),
        /** A charset other than UTF-8, such as windows-1252, ISO-8859-15 or UTF-16. */
        LEGACY("legacy"),
        /** XML or HTML whose own declaration names a charset other than UTF-8; transcoding would contradict it. */
        SELF_DECLARED("self-declared"),
        BINARY("binary"),
        UNDETECTED("undetected");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    static TextCharset of(Kind kind, Charset charset, int bomBytes, int confidence, String reason) {
        return new TextCharset(kind, charset, bomBytes, confidence, reason);
    }

    static TextCharset without(Kind kind, String reason) {
        return new TextCharset(kind, null, 0, 0, reason);
    }

    /** Returns the charset as a lower-case MIME {@code charset} parameter value, such as {@code windows-1252}. */
    public String mimeName() {
        return charset == null ? null : charset.name().toLowerCase(Locale.ROOT);
    }
}
