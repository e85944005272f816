package org.ecbridge.processors.media;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;

import com.ibm.icu.text.BreakIterator;

/**
 * Makes file names from WhatsApp safe to store and to show in Chatwoot. It repairs UTF-8 that was read as Latin-1
 * or windows-1252 and strips folders, control and bidirectional formatting characters. It keeps the extension and
 * caps the name at 255 bytes of UTF-8.
 */
public final class FileNames {

    public static final int MAX_NAME_BYTES = 255;
    public static final int MAX_EXTENSION_CHARS = 15;

    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    private static final int ZERO_WIDTH_NON_JOINER = 0x200C;
    private static final int ZERO_WIDTH_JOINER = 0x200D;

    private static final Map<String, String> EXTENSIONS = Map.ofEntries(
            Map.entry("image/jpeg", "jpg"), Map.entry("image/png", "png"), Map.entry("image/webp", "webp"),
            Map.entry("image/gif", "gif"), Map.entry("image/heic", "heic"), Map.entry("image/tiff", "tiff"),
            Map.entry("image/vnd.adobe.photoshop", "psd"), Map.entry("video/mp4", "mp4"),
            Map.entry("video/3gpp", "3gp"), Map.entry("video/quicktime", "mov"), Map.entry("audio/ogg", "ogg"),
            Map.entry("audio/mpeg", "mp3"), Map.entry("audio/mp4", "m4a"), Map.entry("audio/aac", "aac"),
            Map.entry("audio/amr", "amr"), Map.entry("application/pdf", "pdf"), Map.entry("text/plain", "txt"),
            Map.entry("text/csv", "csv"), Map.entry("application/json", "json"), Map.entry("application/zip", "zip"),
            Map.entry("application/msword", "doc"), Map.entry("application/vnd.ms-excel", "xls"),
            Map.entry("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
            Map.entry("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
            Map.entry("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"));

    private static final Map<String, String> KIND_DEFAULT_EXTENSIONS = Map.of(
            "image", "jpg", "video", "mp4", "audio", "ogg", "sticker", "webp", "document", "bin");

    private FileNames() {
    }

    /** Returns a safe name for a media file, made from its id and type when WhatsApp sent no usable name. */
    public static String forMedia(String name, String messageId, String kind, String mimetype) {
        String cleaned = name == null ? "" : sanitize(name);
        if (!cleaned.isEmpty()) {
            return cleaned;
        }
        return sanitize(messageId + "." + extensionFor(kind, mimetype));
    }

    /** Returns the usual extension (without dot) for a mimetype, falling back to the media kind's. */
    public static String extensionFor(String kind, String mimetype) {
        String known = usualExtension(mimetype);
        return known.isEmpty() ? KIND_DEFAULT_EXTENSIONS.getOrDefault(kind, "bin") : known;
    }

    /** Returns the usual extension (without dot) for a mimetype, or an empty string when the table lacks it. */
    public static String usualExtension(String mimetype) {
        if (mimetype == null) {
            return "";
        }
        String base = mimetype.split(";")[0].trim().toLowerCase(Locale.ROOT);
        return EXTENSIONS.getOrDefault(base, "");
    }

    /**
     * Cleans a file name: repairs mojibake, composes accents (NFC), strips folders, control and bidirectional
     * formatting characters, and leading or trailing dots and spaces, then caps the name at
     * {@link #MAX_NAME_BYTES} bytes of UTF-8. Returns an empty string when nothing usable remains.
     */
    public static String sanitize(String name) {
        String repaired = Normalizer.normalize(repairMojibake(name), Normalizer.Form.NFC);
        int slash = Math.max(repaired.lastIndexOf('/'), repaired.lastIndexOf('\\'));
        String base = repaired.substring(slash + 1);

        StringBuilder clean = new StringBuilder(base.length());
        base.codePoints().forEach(codePoint -> {
            if (isLineBreak(codePoint)) {
                clean.append(' ');
            } else if (isKept(codePoint)) {
                clean.appendCodePoint(codePoint);
            }
        });
        String trimmed = trimDotsAndSpaces(clean.toString());

        return truncateKeepingExtension(trimmed, MAX_NAME_BYTES);
    }

    /**
     * Returns the extension of a file name, lower-cased and without the dot: the letters and digits after the
     * last dot, at most {@value #MAX_EXTENSION_CHARS} of them. Returns an empty string when the name has none.
     */
    public static String extension(String name) {
        int dot = extensionDot(name);
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Returns the file name without its {@link #extension} and the dot before it. */
    public static String stem(String name) {
        int dot = extensionDot(name);
        return dot < 0 ? name : name.substring(0, dot);
    }

    /**
     * Repairs a name whose UTF-8 bytes were decoded as Latin-1 or windows-1252 ("OrÃ§amento" becomes
     * "Orçamento"). A name is changed only when it encodes to bytes in one of those charsets and those bytes are
     * valid UTF-8 with at least one multi-byte sequence, which ordinary Latin-1 text almost never is.
     */
    public static String repairMojibake(String name) {
        byte[] bytes = encodeStrictly(name, StandardCharsets.ISO_8859_1);
        if (bytes == null) {
            bytes = encodeStrictly(name, WINDOWS_1252);
        }
        if (bytes == null || !hasHighByte(bytes)) {
            return name;
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return name;
        }
    }

    /**
     * Cuts {@code name} to at most {@code maxBytes} of UTF-8 without splitting a user-perceived character (an
     * extended grapheme cluster, so an emoji with its modifiers or a letter with its combining accents) and
     * without cutting the extension.
     */
    static String truncateKeepingExtension(String name, int maxBytes) {
        if (utf8Length(name) <= maxBytes) {
            return name;
        }
        int dot = extensionDot(name);
        String extension = dot < 0 ? "" : name.substring(dot);
        String stem = dot < 0 ? name : name.substring(0, dot);
        int budget = maxBytes - utf8Length(extension);

        BreakIterator graphemes = BreakIterator.getCharacterInstance(Locale.ROOT);
        graphemes.setText(stem);
        int keptEnd = 0;
        int usedBytes = 0;
        for (int end = graphemes.next(); end != BreakIterator.DONE; end = graphemes.next()) {
            int graphemeBytes = utf8Length(stem.substring(keptEnd, end));
            if (usedBytes + graphemeBytes > budget) {
                break;
            }
            usedBytes += graphemeBytes;
            keptEnd = end;
        }

        return stem.substring(0, keptEnd).stripTrailing() + extension;
    }

    private static boolean isLineBreak(int codePoint) {
        return codePoint == '\n' || codePoint == '\r' || codePoint == '\t' || codePoint == 0x0B || codePoint == 0x0C
                || codePoint == 0x85 || codePoint == 0x2028 || codePoint == 0x2029;
    }

    /**
     * Returns false for control characters, lone surrogates and formatting characters such as U+202E
     * RIGHT-TO-LEFT OVERRIDE, which can disguise an extension. The joiners U+200C and U+200D are kept because
     * Persian, Indic scripts and emoji sequences need them.
     */
    private static boolean isKept(int codePoint) {
        if (codePoint == ZERO_WIDTH_NON_JOINER || codePoint == ZERO_WIDTH_JOINER) {
            return true;
        }
        int type = Character.getType(codePoint);
        return !Character.isISOControl(codePoint) && type != Character.FORMAT && type != Character.SURROGATE;
    }

    private static String trimDotsAndSpaces(String name) {
        int start = 0;
        int end = name.length();
        while (start < end && isDotOrSpace(name.charAt(start))) {
            start++;
        }
        while (end > start && isDotOrSpace(name.charAt(end - 1))) {
            end--;
        }
        return name.substring(start, end);
    }

    private static boolean isDotOrSpace(char c) {
        return c == '.' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** Returns the index of the dot that starts the name's extension, or -1 when it has none. */
    private static int extensionDot(String name) {
        int dot = name.lastIndexOf('.');
        int extensionChars = name.length() - dot - 1;
        if (dot <= 0 || extensionChars < 1 || extensionChars > MAX_EXTENSION_CHARS) {
            return -1;
        }
        for (int i = dot + 1; i < name.length(); i++) {
            if (!Character.isLetterOrDigit(name.charAt(i))) {
                return -1;
            }
        }
        return dot;
    }

    private static byte[] encodeStrictly(String text, Charset charset) {
        try {
            ByteBuffer encoded = charset.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean hasHighByte(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
