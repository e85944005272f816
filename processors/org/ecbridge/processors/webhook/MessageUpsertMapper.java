package org.ecbridge.processors.webhook;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.processors.media.FileNames;
import org.ecbridge.staging.StagedMessage;

/**
 * Turns the {@code data} of a {@code messages.upsert} webhook into a {@link StagedMessage}: ids, sender, text,
 * quoted message and media facts, for each message shape EvolutionAPI sends.
 */
public final class MessageUpsertMapper {

    private static final Map<String, String> MEDIA_KINDS = Map.of(
            "imageMessage", "image",
            "videoMessage", "video",
            "ptvMessage", "video",
            "audioMessage", "audio",
            "documentMessage", "document",
            "stickerMessage", "sticker");

    /** Wrappers whose inner {@code message} is the real content. */
    private static final List<String> WRAPPERS = List.of("ephemeralMessage", "viewOnceMessage",
            "viewOnceMessageV2", "viewOnceMessageV2Extension", "documentWithCaptionMessage", "editedMessage");

    /** Content the bridge does not post as a new Chatwoot message. */
    private static final Set<String> NOT_POSTED = Set.of("reactionMessage", "protocolMessage",
            "senderKeyDistributionMessage", "messageContextInfo");

    /** Chats that are not conversations with a customer. */
    private static final List<String> IGNORED_CHAT_SUFFIXES = List.of("status@broadcast", "@newsletter",
            "@broadcast");

    private final MessageTextRenderer textRenderer = new MessageTextRenderer();

    /** The mapped message, or the reason it is acknowledged without being posted. */
    public record Mapping(StagedMessage message, String ignoredReason) {
        public boolean ignored() {
            return ignoredReason != null;
        }
    }

    /**
     * Maps a parsed {@code messages.upsert}.
     *
     * @throws WebhookRejectedException with 422 when the message lacks its id or chat
     */
    public Mapping map(EvolutionWebhookParser.ParsedWebhook webhook) {
        ObjectNode data = webhook.data();
        JsonNode key = data.path("key");
        String messageId = text(key, "id");
        String remoteJid = text(key, "remoteJid");
        if (messageId == null || remoteJid == null) {
            throw WebhookRejectedException.invalid("missing-field", "messages.upsert needs data.key.id and "
                    + "data.key.remoteJid; this webhook has id=" + messageId + ", remoteJid=" + remoteJid);
        }
        StagedMessage staged = baseRecord(webhook, key, messageId, remoteJid);
        if (IGNORED_CHAT_SUFFIXES.stream().anyMatch(remoteJid::endsWith)) {
            return new Mapping(staged, "chat " + remoteJid + " is not a customer conversation");
        }
        ObjectNode message = webhook.message();
        Optional<Map.Entry<String, JsonNode>> content = contentOf(message);
        if (content.isEmpty() && webhook.inlineMedia() == null) {
            return new Mapping(staged, "message has no content");
        }
        String contentType = content.map(Map.Entry::getKey).orElse(staged.messageType);
        if (contentType != null && NOT_POSTED.contains(contentType)) {
            return new Mapping(staged, contentType + " is not posted as a message");
        }
        JsonNode body = content.map(Map.Entry::getValue).orElse(null);
        staged.messageType = contentType;
        staged.text = textRenderer.render(contentType, body);
        staged.media = mediaFacts(contentType, body, message, messageId);
        if (staged.text == null && staged.media == null) {
            staged.text = "[WhatsApp " + contentType + " that the bridge cannot show]";
        }
        return new Mapping(staged, null);
    }

    private StagedMessage baseRecord(EvolutionWebhookParser.ParsedWebhook webhook, JsonNode key, String messageId,
            String remoteJid) {
        ObjectNode data = webhook.data();
        StagedMessage staged = new StagedMessage();
        staged.event = webhook.event();
        staged.instance = webhook.instance();
        staged.messageId = messageId;
        staged.remoteJid = remoteJid;
        staged.remoteJidAlt = text(key, "remoteJidAlt");
        staged.participant = text(key, "participant");
        if (staged.participant == null) {
            staged.participant = text(data, "participant");
        }
        staged.fromMe = key.path("fromMe").asBoolean(false);
        staged.pushName = text(data, "pushName");
        staged.messageType = text(data, "messageType");
        staged.messageTimestampSeconds = WhatsAppFields.longValue(data.get("messageTimestamp")).orElse(null);
        staged.quotedMessageId = text(data.path("contextInfo"), "stanzaId");
        staged.key = key.isObject() ? (ObjectNode) key : null;
        staged.message = webhook.message();
        return staged;
    }

    /** Returns the first content field of {@code message}, looking inside ephemeral and view-once wrappers. */
    public static Optional<Map.Entry<String, JsonNode>> contentOf(JsonNode message) {
        if (message == null) {
            return Optional.empty();
        }
        for (String wrapper : WRAPPERS) {
            JsonNode inner = message.path(wrapper).path("message");
            if (inner.isObject()) {
                return contentOf(inner);
            }
        }
        if (message.path("conversation").isTextual()) {
            return Optional.of(Map.entry("conversation", message.get("conversation")));
        }
        Iterator<Map.Entry<String, JsonNode>> fields = message.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().endsWith("Message") && !field.getKey().equals("messageContextInfo")
                    && field.getValue().isObject()) {
                return Optional.of(field);
            }
        }
        return Optional.empty();
    }

    private StagedMessage.Media mediaFacts(String contentType, JsonNode body, JsonNode message, String messageId) {
        String kind = MEDIA_KINDS.get(contentType);
        if (kind == null || body == null) {
            return null;
        }
        StagedMessage.Media media = new StagedMessage.Media();
        media.kind = kind;
        media.mimetype = cleanMimetype(text(body, "mimetype"));
        media.declaredBytes = WhatsAppFields.longValue(body.get("fileLength")).orElse(null);
        media.voiceNote = body.path("ptt").asBoolean(false);
        media.mediaUrl = text(message, "mediaUrl");
        String name = text(body, "fileName");
        if (name == null) {
            name = text(body, "title");
        }
        media.fileName = FileNames.forMedia(name, messageId, kind, media.mimetype);
        return media;
    }

    private static String cleanMimetype(String mimetype) {
        if (mimetype == null || mimetype.isBlank() || mimetype.equals("false")) {
            return null;
        }
        return mimetype.trim();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }
}
