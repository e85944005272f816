package org.ecbridge.processors.reply;

import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.processors.webhook.WebhookRejectedException;
import org.ecbridge.replies.StagedReply;
import org.ecbridge.state.MessageMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a spooled Chatwoot webhook and decides what the bridge does with it. Sets {@link BridgeHeaders#OUTCOME}
 * to {@code stage}, with a {@link StagedReply} as the body, for an agent's message ({@code message_created} that
 * is outgoing or a template, not private, and not one the bridge posted itself) and for a deleted message
 * ({@code message_updated} with {@code content_attributes.deleted}); to {@code ignore}, with the reason, for
 * everything else.
 */
public final class ChatwootWebhookReader implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootWebhookReader.class);

    private final ObjectMapper mapper;
    private final MessageMap messages;
    private final long accountId;
    private final long defaultInboxId;
    private final String defaultInstance;
    private final Map<Long, String> instanceByInbox;

    /**
     * @param defaultInstance instance that serves the default inbox, or null when none is configured
     * @param instanceByInbox instances of the inboxes in {@code bridge.chatwoot.inbox-by-instance}
     */
    public ChatwootWebhookReader(ObjectMapper mapper, MessageMap messages, long accountId, long defaultInboxId,
            String defaultInstance, Map<Long, String> instanceByInbox) {
        this.mapper = mapper;
        this.messages = messages;
        this.accountId = accountId;
        this.defaultInboxId = defaultInboxId;
        this.defaultInstance = defaultInstance;
        this.instanceByInbox = Map.copyOf(instanceByInbox);
    }

    /** Receives each {@code conversation_status_changed}, so cached conversation ids can be dropped. */
    public interface ConversationStatusListener {
        void statusChanged(long inboxId, String contactIdentifier, long conversationId, String status);
    }

    private volatile ConversationStatusListener statusListener;

    public void listenToConversationStatus(ConversationStatusListener listener) {
        this.statusListener = listener;
    }

    /**
     * Receives the latest time, in epoch seconds, at which a webhook shows an agent had seen a conversation: its
     * {@code agent_last_seen_at}, or the creation of an agent's message or private note.
     */
    public interface AgentSeenListener {
        void agentSeen(long conversationId, long seenAtSeconds);
    }

    private volatile AgentSeenListener agentSeenListener;

    public void listenToAgentSeen(AgentSeenListener listener) {
        this.agentSeenListener = listener;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        JsonNode event = parse(in.getMandatoryBody(InputStream.class));
        String name = event.path("event").asText("");
        long messageId = event.path("id").asLong(-1);
        in.setHeader(BridgeHeaders.EVENT, name.isEmpty() ? "unknown" : name);
        in.setHeader(BridgeHeaders.MESSAGE_ID, messageId < 0 ? null : Long.toString(messageId));
        reportAgentSeen(event, name);

        Optional<String> ignoredReason = switch (name) {
            case "message_created" -> whyNotSent(event);
            case "message_updated" -> event.path("content_attributes").path("deleted").asBoolean(false)
                    ? whyNotRevoked(event) : Optional.of("message_updated without a deletion");
            case "conversation_status_changed" -> conversationStatusChanged(event);
            default -> Optional.of("event " + (name.isEmpty() ? "without a name" : name) + " is not handled");
        };
        if (ignoredReason.isPresent()) {
            ignore(in, ignoredReason.get());
            return;
        }

        StagedReply reply = toReply(event, name);
        in.setHeader(BridgeHeaders.INSTANCE, reply.instance);
        in.setHeader(ReplyHeaders.EVENT_KEY, reply.kind + ":" + reply.accountId + ":" + reply.chatwootMessageId);
        in.setHeader(BridgeHeaders.OUTCOME, "stage");
        in.setBody(reply);
    }

    private void reportAgentSeen(JsonNode event, String name) {
        AgentSeenListener listener = agentSeenListener;
        boolean messageEvent = name.startsWith("message_");
        if (listener == null || !messageEvent && !name.startsWith("conversation_")) {
            return;
        }
        // Conversation events carry no account; message events of another account are not ours.
        if (messageEvent && event.path("account").path("id").asLong(-1) != accountId) {
            return;
        }
        JsonNode conversation = messageEvent ? event.path("conversation") : event;
        long conversationId = conversation.path("id").asLong(-1);
        long seenAtSeconds = conversation.path("agent_last_seen_at").asLong(0);
        if (name.equals("message_created") && "user".equals(event.path("sender").path("type").asText())) {
            seenAtSeconds = Math.max(seenAtSeconds, epochSeconds(event.path("created_at")));
        }
        if (conversationId <= 0 || seenAtSeconds <= 0) {
            return;
        }

        try {
            listener.agentSeen(conversationId, seenAtSeconds);
        } catch (RuntimeException e) {
            // Only a shortcut: the lifecycle-mark-read route finds the seen time by polling as well.
            LOG.warn("Recording that an agent saw Chatwoot conversation {} failed", conversationId, e);
        }
    }

    /** Reads a webhook timestamp, which Chatwoot writes as epoch seconds or as an ISO 8601 string. */
    static long epochSeconds(JsonNode timestamp) {
        if (timestamp.canConvertToLong()) {
            return timestamp.asLong();
        }
        try {
            return java.time.Instant.parse(timestamp.asText("")).getEpochSecond();
        } catch (java.time.format.DateTimeParseException e) {
            return 0;
        }
    }

    private Optional<String> conversationStatusChanged(JsonNode event) {
        ConversationStatusListener listener = statusListener;
        String identifier = event.path("meta").path("sender").path("identifier").asText("");
        if (listener != null && !identifier.isEmpty()) {
            listener.statusChanged(event.path("inbox_id").asLong(-1), identifier, event.path("id").asLong(-1),
                    event.path("status").asText(""));
        }
        return Optional.of("conversation_status_changed is recorded and needs no WhatsApp message");
    }

    private Optional<String> whyNotSent(JsonNode event) {
        String messageType = event.path("message_type").asText("");
        if (event.path("private").asBoolean(false)) {
            return Optional.of("private note");
        }
        if (!messageType.equals("outgoing") && !messageType.equals("template")) {
            return Optional.of(messageType + " message, not an agent's reply");
        }
        if (event.path("source_id").asText("").startsWith("WAID:")) {
            return Optional.of("message came from WhatsApp");
        }
        Optional<String> scope = whyOutOfScope(event);
        if (scope.isPresent()) {
            return scope;
        }
        if (messages.whatsAppOf(accountId, event.path("id").asLong()).isPresent()) {
            return Optional.of("message was posted or already sent by the bridge");
        }
        boolean noText = event.path("content").asText("").isBlank();
        if (noText && event.path("attachments").isEmpty()) {
            return Optional.of("message has neither content nor attachments");
        }
        return Optional.empty();
    }

    private Optional<String> whyNotRevoked(JsonNode event) {
        return whyOutOfScope(event);
    }

    private Optional<String> whyOutOfScope(JsonNode event) {
        if (!event.path("id").canConvertToLong()) {
            throw WebhookRejectedException.invalid("missing-field", "Chatwoot message event has no numeric id");
        }
        long eventAccount = event.path("account").path("id").asLong(-1);
        if (eventAccount != accountId) {
            return Optional.of("account " + eventAccount + " is not bridge.chatwoot.account-id (" + accountId + ")");
        }
        long inbox = inboxOf(event);
        if (instanceOf(inbox) == null) {
            if (inbox == defaultInboxId) {
                LOG.warn("Chatwoot message {} in the default inbox {} is not sent: bridge.reply.default-instance is "
                        + "not set", event.path("id").asLong(), inbox);
                return Optional.of("bridge.reply.default-instance is not set");
            }
            return Optional.of("inbox " + inbox + " has no EvolutionAPI instance");
        }
        return Optional.empty();
    }

    private StagedReply toReply(JsonNode event, String name) {
        JsonNode conversation = event.path("conversation");
        StagedReply reply = new StagedReply();
        reply.kind = name.equals("message_updated") ? StagedReply.REVOKE : StagedReply.MESSAGE;
        reply.event = name;
        reply.accountId = accountId;
        reply.chatwootMessageId = event.path("id").asLong();
        reply.conversationId = conversation.path("id").asLong();
        reply.inboxId = inboxOf(event);
        reply.instance = instanceOf(reply.inboxId);
        reply.number = targetNumber(conversation.path("meta").path("sender"));
        reply.content = textOrNull(event.path("content"));
        reply.senderName = textOrNull(event.path("sender").path("available_name"));
        if (reply.senderName == null) {
            reply.senderName = textOrNull(event.path("sender").path("name"));
        }
        JsonNode inReplyTo = event.path("content_attributes").path("in_reply_to");
        reply.inReplyToChatwootId = inReplyTo.canConvertToLong() ? inReplyTo.asLong() : null;
        for (JsonNode attachment : event.path("attachments")) {
            StagedReply.Attachment staged = new StagedReply.Attachment();
            staged.id = attachment.path("id").asLong();
            staged.dataUrl = textOrNull(attachment.path("data_url"));
            staged.fileType = textOrNull(attachment.path("file_type"));
            staged.fileSizeBytes = attachment.path("file_size").canConvertToLong()
                    ? attachment.path("file_size").asLong() : null;
            reply.attachments.add(staged);
        }
        return reply;
    }

    /** Returns the chat JID from the contact's identifier, or the phone number's digits. */
    static String targetNumber(JsonNode contact) {
        String identifier = textOrNull(contact.path("identifier"));
        if (identifier != null && identifier.contains("@")) {
            return identifier;
        }
        String phone = textOrNull(contact.path("phone_number"));
        if (phone != null) {
            String digits = phone.replaceAll("[^0-9]", "");
            return digits.isEmpty() ? null : digits;
        }
        return null;
    }

    private long inboxOf(JsonNode event) {
        long inbox = event.path("inbox").path("id").asLong(-1);
        return inbox >= 0 ? inbox : event.path("conversation").path("inbox_id").asLong(-1);
    }

    private String instanceOf(long inboxId) {
        String mapped = instanceByInbox.get(inboxId);
        if (mapped != null) {
            return mapped;
        }
        return inboxId == defaultInboxId ? defaultInstance : null;
    }

    private JsonNode parse(InputStream body) {
        try {
            JsonNode event = mapper.readTree(body);
            if (event == null || !event.isObject()) {
                throw WebhookRejectedException.invalid("malformed-json", "Chatwoot webhook body must be a JSON "
                        + "object");
            }
            return event;
        } catch (JsonProcessingException e) {
            throw WebhookRejectedException.invalid("malformed-json", "Chatwoot webhook body is not valid JSON: "
                    + org.ecbridge.processors.webhook.JsonErrors.describe(e), e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void ignore(Message in, String reason) {
        in.setHeader(BridgeHeaders.OUTCOME, "ignore");
        in.setHeader(BridgeHeaders.IGNORED_REASON, reason);
        in.setBody(null);
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }
}
