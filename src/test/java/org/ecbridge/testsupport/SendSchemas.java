package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The request rules of EvolutionAPI 2.3's send endpoints ({@code src/validate/message.schema.ts} and
 * {@code sendMessage.controller.ts}), plus the bridge's own contract: media always as a URL, never base64, and a
 * {@code fileName} whose extension mime-db maps to the {@code mimetype} sent, because EvolutionAPI replaces the
 * mimetype with {@code mime-types.lookup(fileName)}.
 */
final class SendSchemas {

    private static final Set<String> MEDIA_TYPES = Set.of("image", "document", "video", "audio");
    /** Images sharp can re-encode to JPEG, which EvolutionAPI does to every {@code mediatype: image}. */
    private static final Set<String> SHARP_INPUT_TYPES = Set.of("image/jpeg", "image/png", "image/webp",
            "image/gif", "image/tiff", "image/avif", "image/svg+xml");
    private static final Pattern URL = Pattern.compile("(?i)^https?://[^\\s]+$");
    private static final Pattern BASE64 = Pattern.compile("^[A-Za-z0-9+/=\\s]{16,}$");
    /**
     * {@code mime-types.lookup} (mime-db 1.52.0) for the extensions the tests use; any other extension gets
     * {@code false}, as mime-db does for an extension it does not list. {@code .mp4} is {@code application/mp4}
     * there, which EvolutionAPI rewrites to {@code video/mp4}.
     */
    private static final Map<String, String> MIME_DB = Map.ofEntries(
            Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"), Map.entry("png", "image/png"),
            Map.entry("webp", "image/webp"), Map.entry("gif", "image/gif"), Map.entry("tiff", "image/tiff"),
            Map.entry("tif", "image/tiff"), Map.entry("svg", "image/svg+xml"), Map.entry("heic", "image/heic"),
            Map.entry("psd", "image/vnd.adobe.photoshop"), Map.entry("mp4", "video/mp4"),
            Map.entry("3gp", "video/3gpp"), Map.entry("mov", "video/quicktime"), Map.entry("ogg", "audio/ogg"),
            Map.entry("oga", "audio/ogg"), Map.entry("mp3", "audio/mpeg"), Map.entry("m4a", "audio/mp4"),
            Map.entry("pdf", "application/pdf"), Map.entry("txt", "text/plain"), Map.entry("csv", "text/csv"),
            Map.entry("zip", "application/zip"), Map.entry("bin", "application/octet-stream"),
            Map.entry("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"));

    private SendSchemas() {
    }

    /**
     * Checks one request. Returns the message of EvolutionAPI's 400 answer when its schema rejects the request,
     * or null; every rule broken, EvolutionAPI's or the bridge's, is also passed to {@code violations}.
     */
    static String check(String action, JsonNode body, Consumer<String> violations) {
        return switch (action) {
            case "sendText" -> checkText(body, violations);
            case "sendMedia" -> checkMedia(body, violations);
            case "sendWhatsAppAudio" -> checkAudio(body, violations);
            case "deleteMessageForEveryone" -> checkDelete(body, violations);
            case "markMessageAsRead" -> checkRead(body, violations);
            default -> throw new IllegalArgumentException("unknown action " + action);
        };
    }

    private static String checkText(JsonNode body, Consumer<String> violations) {
        String missing = requireNumber(body, "sendText", violations);
        if (missing != null) {
            return missing;
        }
        if (body.path("text").asText("").isBlank()) {
            violations.accept("sendText without text: " + body);
            return "Text is required";
        }
        return checkQuoted(body, "sendText", violations);
    }

    private static String checkMedia(JsonNode body, Consumer<String> violations) {
        String missing = requireNumber(body, "sendMedia", violations);
        if (missing != null) {
            return missing;
        }
        String mediatype = body.path("mediatype").asText("");
        if (!MEDIA_TYPES.contains(mediatype)) {
            violations.accept("sendMedia mediatype '" + mediatype + "' is not one of " + MEDIA_TYPES);
            return "mediatype must be one of image, document, video, audio";
        }
        String media = body.path("media").asText("");
        if (!URL.matcher(media).matches()) {
            violations.accept("sendMedia media is not a URL" + (BASE64.matcher(media).matches()
                    ? " but base64" : "") + ": " + abbreviate(media));
            return "Owned media must be a url or base64";
        }
        String fileName = body.path("fileName").asText("");
        String mimetype = body.path("mimetype").asText("");
        String lookedUp = lookup(fileName);
        if (fileName.isEmpty()) {
            violations.accept("sendMedia without fileName, so EvolutionAPI guesses the name from the URL");
        } else if (lookedUp.equals("false")) {
            violations.accept("sendMedia fileName '" + fileName + "' has an extension mime-db does not know, so "
                    + "EvolutionAPI would send the mimetype \"false\"");
        } else if (!lookedUp.equals(mimetype)) {
            violations.accept("sendMedia fileName '" + fileName + "' means " + lookedUp + " to EvolutionAPI, but "
                    + "mimetype is " + mimetype);
        }
        if (mediatype.equals("image") && !SHARP_INPUT_TYPES.contains(mimetype)) {
            violations.accept("sendMedia image of type " + mimetype + ", which EvolutionAPI cannot re-encode");
        }
        return checkQuoted(body, "sendMedia", violations);
    }

    private static String checkAudio(JsonNode body, Consumer<String> violations) {
        String missing = requireNumber(body, "sendWhatsAppAudio", violations);
        if (missing != null) {
            return missing;
        }
        String audio = body.path("audio").asText("");
        if (!URL.matcher(audio).matches()) {
            violations.accept("sendWhatsAppAudio audio is not a URL: " + abbreviate(audio));
            return "Owned media must be a url or base64";
        }
        return checkQuoted(body, "sendWhatsAppAudio", violations);
    }

    /** {@code readMessages}: a non-empty array of keys, each with id, remoteJid and a boolean fromMe. */
    private static String checkRead(JsonNode body, Consumer<String> violations) {
        JsonNode keys = body.path("readMessages");
        if (!keys.isArray() || keys.isEmpty()) {
            violations.accept("markMessageAsRead without readMessages: " + body);
            return "readMessages is required";
        }
        for (JsonNode key : keys) {
            boolean complete = key.path("id").isTextual() && key.path("remoteJid").isTextual()
                    && key.path("fromMe").isBoolean();
            if (!complete) {
                violations.accept("markMessageAsRead key without id, remoteJid or boolean fromMe: " + key);
                return "readMessages[] needs id, fromMe and remoteJid";
            }
        }
        return null;
    }

    private static String checkDelete(JsonNode body, Consumer<String> violations) {
        for (String field : new String[] {"id", "remoteJid"}) {
            if (body.path(field).asText("").isEmpty()) {
                violations.accept("deleteMessageForEveryone without " + field + ": " + body);
                return field + " is required";
            }
        }
        if (!body.path("fromMe").isBoolean()) {
            violations.accept("deleteMessageForEveryone without a boolean fromMe: " + body);
            return "fromMe is required";
        }
        return null;
    }

    private static String requireNumber(JsonNode body, String action, Consumer<String> violations) {
        if (body.path("number").asText("").isEmpty()) {
            violations.accept(action + " without number: " + body);
            return "number is required";
        }
        return null;
    }

    private static String checkQuoted(JsonNode body, String action, Consumer<String> violations) {
        if (body.has("quoted") && body.path("quoted").path("key").path("id").asText("").isEmpty()) {
            violations.accept(action + " quoted without key.id: " + body.path("quoted"));
            return "quoted.key.id is required";
        }
        return null;
    }

    static String lookup(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0) {
            return "false";
        }
        return MIME_DB.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), "false");
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
