package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Renders the Chatwoot stand-in's records as the JSON that Chatwoot 4.9.1's jbuilder views produce. The
 * fixtures under {@code fixtures/chatwoot/} show the same shapes.
 */
final class ChatwootViews {

    static final String BLOB_REDIRECT_PATH = "/rails/active_storage/blobs/redirect/";
    static final String BLOB_DISK_PATH = "/rails/active_storage/disk/";

    private static final Set<String> IMAGE_TYPES =
            Set.of("image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp");
    private static final Set<String> VIDEO_TYPES =
            Set.of("video/ogg", "video/mp4", "video/webm", "video/quicktime");
    private static final long AGENT_ID = 1;
    private static final String AGENT_NAME = "Stand-in Agent";

    private final ChatwootState state;
    private final Supplier<String> baseUrl;

    ChatwootViews(ChatwootState state, Supplier<String> baseUrl) {
        this.state = state;
        this.baseUrl = baseUrl;
    }

    /** Maps a content type to Chatwoot's {@code file_type} as {@code FileTypeHelper} does. */
    static String fileType(String contentType) {
        String type = contentType == null ? "" : HeaderParameters.parse(contentType).type();
        if (IMAGE_TYPES.contains(type)) {
            return "image";
        }
        if (VIDEO_TYPES.contains(type)) {
            return "video";
        }
        return type.startsWith("audio/") ? "audio" : "file";
    }

    ObjectNode inbox(ChatwootInbox inbox) {
        ObjectNode node = StandInJson.object();
        node.put("id", inbox.id());
        node.put("avatar_url", "");
        node.put("channel_id", inbox.id());
        node.put("name", inbox.name());
        node.put("channel_type", "Channel::Api");
        node.putNull("provider");
        node.put("lock_to_single_conversation", inbox.lockToSingleConversation());
        node.put("webhook_url", "");
        node.put("inbox_identifier", inbox.inboxIdentifier());
        return node;
    }

    ObjectNode contactInbox(ChatwootContactInbox contactInbox) {
        ObjectNode node = StandInJson.object();
        node.put("source_id", contactInbox.sourceId());
        node.set("inbox", inbox(state.inbox(contactInbox.inboxId())));
        return node;
    }

    ObjectNode contact(ChatwootContact contact, boolean includeContactInboxes) {
        ObjectNode node = StandInJson.object();
        node.set("additional_attributes", contact.additionalAttributes().deepCopy());
        node.put("availability_status", "offline");
        node.put("email", contact.email());
        node.put("id", contact.id());
        node.put("name", contact.name());
        node.put("phone_number", contact.phoneNumber());
        node.put("blocked", contact.blocked());
        node.put("identifier", contact.identifier());
        node.put("thumbnail", "");
        node.set("custom_attributes", contact.customAttributes().deepCopy());
        node.putNull("last_activity_at");
        node.put("created_at", contact.createdAt().getEpochSecond());
        if (includeContactInboxes) {
            ArrayNode contactInboxes = node.putArray("contact_inboxes");
            contact.contactInboxes().forEach(contactInbox -> contactInboxes.add(contactInbox(contactInbox)));
        }
        return node;
    }

    /** Renders a contact as a message sender or conversation {@code meta.sender} ({@code push_event_data}). */
    ObjectNode contactSender(ChatwootContact contact) {
        ObjectNode node = StandInJson.object();
        node.set("additional_attributes", contact.additionalAttributes().deepCopy());
        node.set("custom_attributes", contact.customAttributes().deepCopy());
        node.put("email", contact.email());
        node.put("id", contact.id());
        node.put("identifier", contact.identifier());
        node.put("name", contact.name());
        node.put("phone_number", contact.phoneNumber());
        node.put("thumbnail", "");
        node.put("blocked", contact.blocked());
        node.put("type", "contact");
        return node;
    }

    ObjectNode conversation(ChatwootConversation conversation) {
        ChatwootMessage lastMessage = state.lastMessage(conversation);
        ObjectNode node = StandInJson.object();
        node.set("meta", conversationMeta(state.contact(conversation.contactId())));
        node.put("id", conversation.displayId());
        ArrayNode messages = node.putArray("messages");
        if (lastMessage != null) {
            messages.add(message(lastMessage));
        }

        node.put("account_id", conversation.accountId());
        node.put("uuid", conversation.uuid());
        node.set("additional_attributes", conversation.additionalAttributes().deepCopy());
        Instant agentSeen = state.agentLastSeen(conversation);
        node.put("agent_last_seen_at", agentSeen == null ? 0 : agentSeen.getEpochSecond());
        node.put("assignee_last_seen_at", 0);
        node.put("can_reply", true);
        node.put("contact_last_seen_at", 0);
        node.set("custom_attributes", conversation.customAttributes().deepCopy());
        node.put("inbox_id", conversation.inboxId());
        node.putArray("labels");
        node.put("muted", false);
        node.putNull("snoozed_until");
        node.put("status", conversation.status());

        putActivity(node, conversation, lastMessage);
        node.putNull("priority");
        node.put("waiting_since", conversation.createdAt().getEpochSecond());
        return node;
    }

    /** Puts the conversation's timestamps, which follow its last message, and that message's summary. */
    private void putActivity(ObjectNode node, ChatwootConversation conversation, ChatwootMessage lastMessage) {
        Instant lastActivity = lastMessage == null ? conversation.createdAt() : lastMessage.createdAt();
        node.put("created_at", conversation.createdAt().getEpochSecond());
        node.put("updated_at", lastActivity.toEpochMilli() / 1000.0);
        node.put("timestamp", lastActivity.getEpochSecond());
        node.putNull("first_reply_created_at");
        node.put("unread_count", 0);
        node.set("last_non_activity_message", lastMessage == null ? null : message(lastMessage));
        node.put("last_activity_at", lastActivity.getEpochSecond());
    }

    /** Renders the {@code meta} of a conversation's message list. */
    ObjectNode messageListMeta(ChatwootConversation conversation) {
        ObjectNode meta = StandInJson.object();
        meta.putArray("labels");
        meta.set("additional_attributes", conversation.additionalAttributes().deepCopy());
        meta.set("contact", contactSender(state.contact(conversation.contactId())));
        meta.putNull("assignee");
        meta.putNull("agent_last_seen_at");
        meta.putNull("assignee_last_seen_at");
        return meta;
    }

    ObjectNode message(ChatwootMessage message) {
        ObjectNode node = StandInJson.object();
        node.put("id", message.id());
        node.put("content", message.content());
        node.put("inbox_id", message.inboxId());
        if (message.echoId() != null) {
            node.put("echo_id", message.echoId());
        }
        node.put("conversation_id", message.conversationDisplayId());
        node.put("message_type", "incoming".equals(message.messageType()) ? 0 : 1);
        node.put("content_type", message.contentType());
        node.put("status", "sent");
        node.set("content_attributes", message.contentAttributes().deepCopy());
        node.put("created_at", message.createdAt().getEpochSecond());
        node.put("private", message.privateNote());
        node.put("source_id", message.sourceId());
        node.set("sender", sender(message));
        if (!message.attachments().isEmpty()) {
            ArrayNode attachments = node.putArray("attachments");
            message.attachments().forEach(attachment -> attachments.add(attachment(attachment, message)));
        }
        return node;
    }

    ArrayNode messages(List<ChatwootMessage> messages) {
        ArrayNode array = StandInJson.MAPPER.createArrayNode();
        messages.forEach(message -> array.add(message(message)));
        return array;
    }

    private ObjectNode conversationMeta(ChatwootContact contact) {
        ObjectNode meta = StandInJson.object();
        meta.set("sender", contactSender(contact));
        meta.put("channel", "Channel::Api");
        meta.putNull("assignee");
        meta.put("hmac_verified", false);
        return meta;
    }

    /** Incoming messages come from the conversation's contact, outgoing ones from the token's agent. */
    private ObjectNode sender(ChatwootMessage message) {
        if ("incoming".equals(message.messageType())) {
            ChatwootConversation conversation = state.conversation(message.accountId(),
                    message.conversationDisplayId());
            return contactSender(state.contact(conversation.contactId()));
        }
        ObjectNode agent = StandInJson.object();
        agent.put("id", AGENT_ID);
        agent.put("name", AGENT_NAME);
        agent.put("available_name", AGENT_NAME);
        agent.put("avatar_url", "");
        agent.put("type", "user");
        agent.put("availability_status", "online");
        agent.put("thumbnail", "");
        return agent;
    }

    private ObjectNode attachment(ChatwootAttachment attachment, ChatwootMessage message) {
        String dataUrl = baseUrl.get() + BLOB_REDIRECT_PATH + attachment.blobKey() + "/"
                + encodePathSegment(attachment.fileName());
        ObjectNode node = StandInJson.object();
        node.put("id", attachment.id());
        node.put("message_id", message.id());
        node.put("file_type", attachment.fileType());
        node.put("account_id", message.accountId());
        node.putNull("extension");
        node.put("data_url", dataUrl);
        // NOTE: Chatwoot serves a 250 px variant as thumb_url, but the stand-in does not resize and links the original.
        node.put("thumb_url", "image".equals(attachment.fileType()) ? dataUrl : "");
        node.put("file_size", attachment.sizeBytes());
        node.putNull("width");
        node.putNull("height");
        return node;
    }

    static String encodePathSegment(String segment) {
        String name = segment == null || segment.isEmpty() ? "blob" : segment;
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

}
