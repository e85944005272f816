package org.ecbridge.processors.webhook;

import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.staging.StagedMessage;

/**
 * Turns the EvolutionAPI events that change an earlier message, or the instance's connection, into a
 * {@link StagedMessage} with {@link StagedMessage#lifecycle} set: {@code connection.update},
 * {@code messages.delete}, {@code messages.edited}, edits and revokes inside {@code messages.update}, and
 * {@code reactionMessage} content of {@code messages.upsert}.
 */
public final class LifecycleEventMapper {

    public static final String CONNECTION = "connection";
    public static final String DELETE = "delete";
    public static final String EDIT = "edit";
    public static final String REACTION = "reaction";
    public static final String READ = "read";

    private final MessageTextRenderer textRenderer = new MessageTextRenderer();

    /**
     * Maps a lifecycle event.
     *
     * @throws WebhookRejectedException with 422 when a message event names no message id or chat
     */
    public MessageUpsertMapper.Mapping map(EvolutionWebhookParser.ParsedWebhook webhook) {
        return switch (webhook.event()) {
            case "connection.update" -> connection(webhook);
            case "messages.delete" -> delete(webhook, deletedKey(webhook.data()));
            case "messages.edited" -> protocolMessage(webhook, webhook.data());
            case "messages.update" -> update(webhook);
            default -> new MessageUpsertMapper.Mapping(base(webhook, null, "unknown"), "event " + webhook.event()
                    + " has no lifecycle mapping");
        };
    }

    /** Maps the {@code reactionMessage} {@code {key, text}} of a {@code messages.upsert}; empty text removes it. */
    public MessageUpsertMapper.Mapping reaction(StagedMessage upsert, JsonNode reaction) {
        StagedMessage staged = upsert;
        staged.lifecycle = REACTION;
        staged.targetMessageId = text(reaction.path("key"), "id");
        staged.text = reaction.path("text").asText("");
        if (staged.targetMessageId == null) {
            return new MessageUpsertMapper.Mapping(staged, "reactionMessage has no key.id of the reacted message");
        }
        return new MessageUpsertMapper.Mapping(staged, null);
    }

    private MessageUpsertMapper.Mapping connection(EvolutionWebhookParser.ParsedWebhook webhook) {
        ObjectNode data = webhook.data();
        String state = text(data, "state");
        if (state == null) {
            throw WebhookRejectedException.invalid("missing-field", "connection.update needs data.state; instance "
                    + webhook.instance() + " sent none");
        }
        StagedMessage staged = base(webhook, "status:" + webhook.instance(), "connection:" + state + ":"
                + System.currentTimeMillis());
        staged.lifecycle = CONNECTION;
        staged.pushName = webhook.instance();
        staged.connectionState = state;
        staged.connectionStatusReason = data.path("statusReason").isMissingNode() ? null
                : data.path("statusReason").asText();
        return new MessageUpsertMapper.Mapping(staged, null);
    }

    /** Returns the deleted message's key: {@code data} itself, or {@code data.key} in the API form. */
    private static JsonNode deletedKey(ObjectNode data) {
        JsonNode inner = data.path("key");
        return inner.isObject() ? inner : data;
    }

    private MessageUpsertMapper.Mapping delete(EvolutionWebhookParser.ParsedWebhook webhook, JsonNode key) {
        String targetId = text(key, "id");
        String remoteJid = text(key, "remoteJid");
        if (targetId == null || remoteJid == null) {
            throw WebhookRejectedException.invalid("missing-field", webhook.event() + " needs the deleted "
                    + "message's key with id and remoteJid; this webhook has id=" + targetId + ", remoteJid="
                    + remoteJid);
        }
        StagedMessage staged = base(webhook, remoteJid, "delete:" + targetId);
        staged.lifecycle = DELETE;
        staged.targetMessageId = targetId;
        staged.fromMe = key.path("fromMe").asBoolean(false);
        staged.participant = text(key, "participant");
        return new MessageUpsertMapper.Mapping(staged, null);
    }

    /** Maps a {@code protocolMessage}: MESSAGE_EDIT (14) is an edit, REVOKE (0) a deletion. */
    public MessageUpsertMapper.Mapping protocolMessage(EvolutionWebhookParser.ParsedWebhook webhook,
            JsonNode protocol) {
        String type = protocol.path("type").asText("");
        JsonNode key = protocol.path("key");
        if (type.equals("REVOKE") || type.equals("0")) {
            return delete(webhook, key);
        }
        if (!type.equals("MESSAGE_EDIT") && !type.equals("14")) {
            return new MessageUpsertMapper.Mapping(base(webhook, null, "protocol"), "protocolMessage of type "
                    + type + " changes no message");
        }
        String targetId = text(key, "id");
        String remoteJid = text(key, "remoteJid");
        if (targetId == null || remoteJid == null) {
            throw WebhookRejectedException.invalid("missing-field", "an edit needs protocolMessage.key with id and "
                    + "remoteJid; this webhook has id=" + targetId + ", remoteJid=" + remoteJid);
        }
        String newText = editedText(protocol.path("editedMessage"));
        StagedMessage staged = base(webhook, remoteJid, "edit:" + targetId + ":"
                + Integer.toHexString(newText.hashCode()));
        staged.lifecycle = EDIT;
        staged.targetMessageId = targetId;
        staged.fromMe = key.path("fromMe").asBoolean(false);
        staged.participant = text(key, "participant");
        staged.text = newText;
        return new MessageUpsertMapper.Mapping(staged, null);
    }

    /**
     * Finds an edit or revoke in a {@code messages.update}, or a READ (or PLAYED) receipt of a message sent from
     * this number. Other statuses are not mapped.
     */
    private MessageUpsertMapper.Mapping update(EvolutionWebhookParser.ParsedWebhook webhook) {
        Optional<Map.Entry<String, JsonNode>> content = MessageUpsertMapper.contentOf(webhook.message());
        if (content.isPresent() && content.get().getKey().equals("protocolMessage")) {
            return protocolMessage(webhook, content.get().getValue());
        }
        ObjectNode data = webhook.data();
        String status = text(data, "status");
        String keyId = text(data, "keyId");
        String remoteJid = text(data, "remoteJid");
        boolean read = "READ".equals(status) || "PLAYED".equals(status);
        if (read && data.path("fromMe").asBoolean(false) && keyId != null && remoteJid != null) {
            StagedMessage staged = base(webhook, remoteJid, "read:" + keyId);
            staged.lifecycle = READ;
            staged.targetMessageId = keyId;
            staged.fromMe = true;
            return new MessageUpsertMapper.Mapping(staged, null);
        }
        return new MessageUpsertMapper.Mapping(base(webhook, null, "update:" + text(webhook.data(), "keyId")),
                "messages.update with status " + text(webhook.data(), "status") + " carries no edit");
    }

    private String editedText(JsonNode editedMessage) {
        Optional<Map.Entry<String, JsonNode>> content = MessageUpsertMapper.contentOf(editedMessage);
        if (content.isEmpty()) {
            return "";
        }
        String rendered = textRenderer.render(content.get().getKey(), content.get().getValue());
        return rendered == null ? "" : rendered;
    }

    private static StagedMessage base(EvolutionWebhookParser.ParsedWebhook webhook, String remoteJid,
            String messageId) {
        StagedMessage staged = new StagedMessage();
        staged.event = webhook.event();
        staged.instance = webhook.instance();
        staged.remoteJid = remoteJid;
        staged.messageId = messageId;
        return staged;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }
}
