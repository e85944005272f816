package org.ecbridge.processors.media;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Makes file names from WhatsApp safe to store and to show in Chatwoot: repairs UTF-8 that was read as Latin-1,
 * strips folders and control characters, keeps the extension and caps the name at 255 bytes of UTF-8.
 */
public final class FileNames {

    public static final int MAX_NAME_BYTES = 255;

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
        if (mimetype != null) {
            String base = mimetype.split(";")[0].trim().toLowerCase(Locale.ROOT);
            String known = EXTENSIONS.get(base);
            if (known != null) {
                return known;
            }
        }
        return KIND_DEFAULT_EXTENSIONS.getOrDefault(kind, "bin");
    }

    /** Cleans a file name; returns an empty string when nothing usable remains. */
    public static String sanitize(String name) {
        String repaired = repairMojibake(name);
        int slash = Math.max(repaired.lastIndexOf('/'), repaired.lastIndexOf('\\'));
        String base = repaired.substring(slash + 1);
        StringBuilder clean = new StringBuilder(base.length());
        base.codePoints()
                .filter(codePoint -> !Character.isISOControl(codePoint) && codePoint != '\u202E'
                        && Character.getType(codePoint) != Character.FORMAT)
                .forEach(clean::appendCodePoint);
        String trimmed = clean.toString().strip();
        while (trimmed.startsWith(".")) {
            trimmed = trimmed.substring(1);
        }
        return truncateKeepingExtension(trimmed, MAX_NAME_BYTES);
    }

    /**
     * Repairs a name whose UTF-8 bytes were decoded as Latin-1 ("OrÃ§amento" becomes "Orçamento"). A name is
     * changed only when all its characters fit in one byte and those bytes are valid UTF-8 with at least one
     * multi-byte sequence, which ordinary Latin-1 text almost never is.
     */
    public static String repairMojibake(String name) {
        boolean hasHighByte = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0xFF) {
                return name;
            }
            hasHighByte |= c >= 0x80;
        }
        if (!hasHighByte) {
            return name;
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer decoded = utf8.decode(ByteBuffer.wrap(name.getBytes(StandardCharsets.ISO_8859_1)));
            return decoded.toString();
        } catch (CharacterCodingException e) {
            return name;
        }
    }

    /** Cuts {@code name} to at most {@code maxBytes} of UTF-8 without splitting a character or the extension. */
    static String truncateKeepingExtension(String name, int maxBytes) {
        if (name.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
        String stem = extension.isEmpty() ? name : name.substring(0, dot);
        int budget = maxBytes - extension.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder kept = new StringBuilder();
        int usedBytes = 0;
        for (int i = 0; i < stem.length(); ) {
            int codePoint = stem.codePointAt(i);
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (usedBytes + size > budget) {
                break;
            }
            kept.appendCodePoint(codePoint);
            usedBytes += size;
            i += Character.charCount(codePoint);
        }
        return kept + extension;
    }
}
