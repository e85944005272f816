package org.ecbridge.processors.reply;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * File extensions and media types, as EvolutionAPI maps them. EvolutionAPI 2.3 replaces the mimetype of
 * {@code sendMedia} with {@code mime-types.lookup(fileName)} (mime-db), so every name handed over must end in an
 * extension that mime-db maps to the file's real type; the extensions below are ones mime-db lists for them.
 */
final class MediaTypes {

    static final String OCTET_STREAM = "application/octet-stream";

    /** Preferred extension of each type. */
    private static final Map<String, String> EXTENSION_BY_TYPE = Map.ofEntries(
            Map.entry("image/jpeg", "jpg"), Map.entry("image/png", "png"), Map.entry("image/webp", "webp"),
            Map.entry("image/gif", "gif"), Map.entry("image/heic", "heic"), Map.entry("image/heif", "heif"),
            Map.entry("image/tiff", "tiff"), Map.entry("image/svg+xml", "svg"), Map.entry("image/bmp", "bmp"),
            Map.entry("image/avif", "avif"), Map.entry("image/vnd.adobe.photoshop", "psd"),
            Map.entry("video/mp4", "mp4"), Map.entry("video/3gpp", "3gp"), Map.entry("video/quicktime", "mov"),
            Map.entry("video/webm", "webm"), Map.entry("video/x-matroska", "mkv"), Map.entry("audio/ogg", "ogg"),
            Map.entry("audio/opus", "opus"), Map.entry("audio/webm", "weba"), Map.entry("audio/mpeg", "mp3"),
            Map.entry("audio/mp4", "m4a"), Map.entry("audio/aac", "aac"), Map.entry("audio/amr", "amr"),
            Map.entry("audio/wav", "wav"), Map.entry("application/pdf", "pdf"), Map.entry("text/plain", "txt"),
            Map.entry("text/csv", "csv"), Map.entry("application/json", "json"), Map.entry("application/zip", "zip"),
            Map.entry("application/vnd.rar", "rar"), Map.entry("application/x-7z-compressed", "7z"),
            Map.entry("application/rtf", "rtf"), Map.entry("application/msword", "doc"),
            Map.entry("application/vnd.ms-excel", "xls"), Map.entry("application/vnd.ms-powerpoint", "ppt"),
            Map.entry("application/vnd.oasis.opendocument.text", "odt"),
            Map.entry("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
            Map.entry("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
            Map.entry("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
            Map.entry(OCTET_STREAM, "bin"));

    /** Type of each extension, where it differs from or adds to the reverse of the table above. */
    private static final Map<String, String> TYPE_BY_EXTENSION = Map.ofEntries(
            Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"), Map.entry("tif", "image/tiff"),
            Map.entry("oga", "audio/ogg"), Map.entry("m4v", "video/mp4"), Map.entry("mpga", "audio/mpeg"),
            Map.entry("webm", "video/webm"));

    /** Types that Chatwoot's recorder produces for a voice message; WhatsApp gets them as a voice note. */
    static final Set<String> VOICE_NOTE_TYPES = Set.of("audio/ogg", "audio/opus", "audio/webm");
    /** Images WhatsApp shows inline; EvolutionAPI re-encodes them to JPEG. Others go as documents. */
    static final Set<String> INLINE_IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/webp");
    /** Videos WhatsApp plays inline (MP4 and 3GP). */
    static final Set<String> INLINE_VIDEO_TYPES = Set.of("video/mp4", "video/3gpp");
    /** Audio WhatsApp plays as an audio message. */
    static final Set<String> INLINE_AUDIO_TYPES = Set.of("audio/mpeg", "audio/mp4", "audio/aac", "audio/amr",
            "audio/ogg", "audio/opus");

    private MediaTypes() {
    }

    /** Returns the type without parameters, in lower case, or null for none. */
    static String base(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return null;
        }
        return contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    }

    static Optional<String> extensionOf(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot <= 0 || dot == fileName.length() - 1 || fileName.length() - dot > 10) {
            return Optional.empty();
        }
        return Optional.of(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    static Optional<String> typeOfExtension(String extension) {
        String type = TYPE_BY_EXTENSION.get(extension);
        if (type != null) {
            return Optional.of(type);
        }
        return EXTENSION_BY_TYPE.entrySet().stream().filter(entry -> entry.getValue().equals(extension))
                .map(Map.Entry::getKey).findFirst();
    }

    static Optional<String> extensionOfType(String type) {
        return Optional.ofNullable(EXTENSION_BY_TYPE.get(type));
    }

    /** Returns true for generic types, such as S3 returns for files uploaded without a type. */
    static boolean isGeneric(String type) {
        return type == null || type.equals(OCTET_STREAM) || type.equals("binary/octet-stream");
    }
}
