package org.ecbridge.processors.lifecycle;

import java.io.IOException;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.ecbridge.processors.chatwoot.ChatwootContacts;
import org.ecbridge.processors.chatwoot.ChatwootMessages;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.processors.webhook.LifecycleEventMapper;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the lifecycle routes: find the Chatwoot message a deletion, edit or reaction refers to, build the
 * Chatwoot requests that mirror it, and keep the state store keys this needs:
 *
 * <ul>
 *   <li>{@code message:<instance>:<whatsAppId>} → Chatwoot message id, written by message delivery, and by
 *       {@link #readReply} under the lifecycle record's own id;</li>
 *   <li>{@code message-conversation:<instance>:<whatsAppId>} → Chatwoot conversation id of that message, so a
 *       later deletion or reply reaches the conversation it is in even after a new one was started;</li>
 *   <li>{@code deleted:<instance>:<whatsAppId>}, a deletion that arrived before its message, so the message is
 *       not posted when it arrives.</li>
 * </ul>
 */
public final class LifecycleEvents {

    /** Exchange property with the record's kind: a {@link StagedMessage#lifecycle} value,
     * {@code message}, {@code deleted-before-arrival}, or {@code delivered}. */
    public static final String KIND = "BridgeLifecycle";
    /** Exchange property with the Chatwoot id of the message a lifecycle record refers to, when it is known. */
    public static final String TARGET_CHATWOOT_ID = "BridgeTargetChatwootId";
    /** Exchange properties of a read receipt: the inbox's public identifier and the contact's source_id. */
    public static final String INBOX_IDENTIFIER = "BridgeInboxIdentifier";
    public static final String CONTACT_SOURCE_ID = "BridgeContactSourceId";
    public static final String KIND_MESSAGE = "message";
    public static final String KIND_DELETED_BEFORE_ARRIVAL = "deleted-before-arrival";
    /** A record whose message was delivered before a crash left the record behind. */
    public static final String KIND_DELIVERED = "delivered";

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleEvents.class);

    private final ChatwootRequests requests;
    private final ChatwootContacts contacts;
    private final StateStore state;
    private final Duration messageMapTtl;
    private final Duration pendingDeletionTtl;

    public LifecycleEvents(ChatwootRequests requests, ChatwootContacts contacts, StateStore state,
            Duration messageMapTtl, Duration pendingDeletionTtl) {
        this.requests = requests;
        this.contacts = contacts;
        this.state = state;
        this.messageMapTtl = messageMapTtl;
        this.pendingDeletionTtl = pendingDeletionTtl;
    }

    /** Sets {@link #KIND}: the record's lifecycle, or whether its message is to post, deleted or delivered. */
    public void classify(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        String kind = message.delivered ? KIND_DELIVERED : message.lifecycle;
        if (kind == null) {
            boolean deleted = state.get(pendingDeletionKey(message.instance, message.messageId)).isPresent();
            kind = deleted ? KIND_DELETED_BEFORE_ARRIVAL : KIND_MESSAGE;
        }

        exchange.setProperty(KIND, kind);
    }

    /** Drops a message whose deletion arrived first; nothing is posted to Chatwoot. */
    public void skipDeleted(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        state.delete(pendingDeletionKey(message.instance, message.messageId));
        LOG.info("Message {} of instance {} was deleted on WhatsApp before it was delivered; it is not posted",
                message.messageId, message.instance);
    }

    /** Records the conversation a message was posted in, after message delivery. */
    public void messagePosted(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        Long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        Long chatwootId = exchange.getProperty(BridgeHeaders.CHATWOOT_MESSAGE_ID, Long.class);
        if (conversationId == null || chatwootId == null || chatwootId <= 0) {
            return;
        }

        state.put(conversationKey(message.instance, message.messageId), Long.toString(conversationId),
                messageMapTtl);
    }

    /**
     * Looks up the Chatwoot message the record refers to into {@link #TARGET_CHATWOOT_ID}, and its conversation
     * into {@link BridgeHeaders#CONVERSATION_ID} when it was recorded.
     */
    public void findTarget(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        String instance = message.instance;
        String target = message.targetMessageId;

        Long chatwootId = state.get(messageKey(instance, target)).map(Long::parseLong).orElse(null);
        exchange.setProperty(TARGET_CHATWOOT_ID, chatwootId);
        if (chatwootId != null) {
            state.get(conversationKey(instance, target)).map(Long::parseLong)
                    .ifPresent(id -> exchange.setProperty(BridgeHeaders.CONVERSATION_ID, id));
        }
    }

    /** Remembers a deletion of a message the bridge has not posted, in case the message arrives later. */
    public void rememberDeletion(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);

        state.put(pendingDeletionKey(message.instance, message.targetMessageId), "deleted", pendingDeletionTtl);

        LOG.info("Deleted message {} of instance {} is not known in Chatwoot; the deletion is kept for {} s in case "
                + "the message arrives later", message.targetMessageId, message.instance,
                pendingDeletionTtl.toSeconds());
    }

    /** Prepares {@code DELETE .../conversations/{conversation}/messages/{message}}. */
    public void deleteRequest(Exchange exchange) throws IOException {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        long chatwootId = exchange.getProperty(TARGET_CHATWOOT_ID, Long.class);

        requests.prepare(exchange, "DELETE", "/conversations/" + conversationId + "/messages/" + chatwootId, null,
                null);
    }

    public void deleted(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        LOG.info("Deleted Chatwoot message {} in conversation {}, because message {} of instance {} was deleted on "
                + "WhatsApp", exchange.getProperty(TARGET_CHATWOOT_ID), exchange.getProperty(
                BridgeHeaders.CONVERSATION_ID), message.targetMessageId, message.instance);
    }

    /** Logs a deletion whose Chatwoot message is gone already (404); nothing is left to do. */
    public void alreadyDeleted(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        LOG.info("Chatwoot message {} of deleted WhatsApp message {} of instance {} no longer exists",
                exchange.getProperty(TARGET_CHATWOOT_ID), message.targetMessageId, message.instance);
    }

    /**
     * Prepares a reply to the referred message that states what happened to it: deleted, edited with its new
     * text, or a reaction added or removed. Without a known target the reply names the WhatsApp id instead. The
     * record's {@code source_id} lets a redelivery find the reply and keeps an outgoing one from being sent back
     * to WhatsApp.
     */
    public void replyRequest(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        Long target = exchange.getProperty(TARGET_CHATWOOT_ID, Long.class);

        ObjectNode attributes = requests.mapper().createObjectNode();
        if (target != null) {
            attributes.put("in_reply_to", target);
        }
        attributes.put("in_reply_to_external_id", "WAID:" + message.targetMessageId);
        ObjectNode body = requests.mapper().createObjectNode()
                .put("content", replyText(message))
                .put("message_type", message.fromMe ? "outgoing" : "incoming")
                .put("private", false)
                .put("source_id", ChatwootMessages.sourceId(message));
        body.set("content_attributes", attributes);

        requests.prepare(exchange, "POST", "/conversations/" + conversationId + "/messages", null, body);
    }

    /** Prepares the private note that informs agents the instance's WhatsApp connection changed. */
    public void statusNoteRequest(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);

        ObjectNode body = requests.mapper().createObjectNode()
                .put("content", statusText(message))
                .put("message_type", "outgoing")
                .put("private", true)
                .put("source_id", ChatwootMessages.sourceId(message));

        requests.prepare(exchange, "POST", "/conversations/" + conversationId + "/messages", null, body);
    }

    /**
     * Reads the created reply or note and records its Chatwoot id under the record's id, so a redelivery finds it
     * in the state store before it searches the conversation.
     *
     * <p>NOTE: an edit back to an earlier text has the earlier edit's record id. When its first post fails
     * before Chatwoot stored it, the redelivery takes the earlier reply for it and posts nothing.
     */
    public void readReply(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        long chatwootId = requests.readJson(exchange).path("id").asLong(-1);
        exchange.setProperty(BridgeHeaders.CHATWOOT_MESSAGE_ID, chatwootId);
        if (chatwootId > 0) {
            // No chatwoot-message entry, because the record id is no WhatsApp message that an agent's quote or
            // deletion of this post could target.
            state.put(messageKey(message.instance, message.messageId), Long.toString(chatwootId), messageMapTtl);
        }
        LOG.info("Posted Chatwoot message {} in conversation {} for the {} of message {} of instance {}",
                chatwootId, exchange.getProperty(BridgeHeaders.CONVERSATION_ID), message.lifecycle,
                message.targetMessageId, message.instance);
    }

    /** Sets the inbox identifier and the contact's source_id of the public client API from the state store. */
    public void lastSeenFromCache(Exchange exchange) {
        long inboxId = inboxId(exchange);
        state.get(inboxIdentifierKey(inboxId)).ifPresent(id -> exchange.setProperty(INBOX_IDENTIFIER, id));
        state.get(sourceIdKey(inboxId, contactId(exchange)))
                .ifPresent(id -> exchange.setProperty(CONTACT_SOURCE_ID, id));
    }

    public void inboxRequest(Exchange exchange) throws IOException {
        requests.prepare(exchange, "GET", "/inboxes/" + inboxId(exchange), null, null);
    }

    /** Reads {@code inbox_identifier} from the inbox, which only API inboxes have. */
    public void readInbox(Exchange exchange) throws IOException {
        long inboxId = inboxId(exchange);
        String identifier = requests.readJson(exchange).path("inbox_identifier").asText("");
        if (identifier.isEmpty()) {
            throw new IllegalStateException("Chatwoot inbox " + inboxId + " has no inbox_identifier, so it is not an "
                    + "API inbox and read receipts cannot update the contact's last seen time");
        }

        state.put(inboxIdentifierKey(inboxId), identifier, messageMapTtl);
        exchange.setProperty(INBOX_IDENTIFIER, identifier);
    }

    /** Prepares a contact search that returns the contact inboxes with their source_id. */
    public void contactInboxesRequest(Exchange exchange) throws IOException {
        String query = contacts.identity(exchange).searchQuery();

        requests.prepare(exchange, "GET", "/contacts/search", ChatwootRequests.queryParameter("q", query), null);
    }

    public void readContactInboxes(Exchange exchange) throws IOException {
        long inboxId = inboxId(exchange);
        long contactId = contactId(exchange);
        for (JsonNode contact : requests.readJson(exchange).path("payload")) {
            if (contact.path("id").asLong() != contactId) {
                continue;
            }
            for (JsonNode contactInbox : contact.path("contact_inboxes")) {
                if (contactInbox.path("inbox").path("id").asLong() == inboxId) {
                    String sourceId = contactInbox.path("source_id").asText();
                    state.put(sourceIdKey(inboxId, contactId), sourceId, messageMapTtl);
                    exchange.setProperty(CONTACT_SOURCE_ID, sourceId);
                    return;
                }
            }
        }
        throw new IllegalStateException("Chatwoot contact " + contactId + " has no contact inbox in inbox " + inboxId
                + ", so its last seen time cannot be updated");
    }

    /**
     * Prepares {@code POST /public/api/v1/inboxes/{inbox_identifier}/contacts/{source_id}/conversations/
     * {conversation}/update_last_seen}, the public client API call that marks the conversation seen by the contact.
     */
    public void lastSeenRequest(Exchange exchange) throws IOException {
        requests.prepare(exchange, "POST", "", null, requests.mapper().createObjectNode());
        exchange.getIn().removeHeader("api_access_token");
        exchange.getIn().setHeader(Exchange.HTTP_PATH, "/public/api/v1/inboxes/"
                + exchange.getProperty(INBOX_IDENTIFIER, String.class) + "/contacts/"
                + exchange.getProperty(CONTACT_SOURCE_ID, String.class) + "/conversations/"
                + exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class) + "/update_last_seen");
    }

    public void lastSeenUpdated(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        LOG.info("WhatsApp message {} of instance {} was read; updated the contact's last seen time in Chatwoot "
                + "conversation {}", message.targetMessageId, message.instance,
                exchange.getProperty(BridgeHeaders.CONVERSATION_ID));
    }

    private long inboxId(Exchange exchange) {
        return contacts.identity(exchange).inboxId();
    }

    private static long contactId(Exchange exchange) {
        return exchange.getProperty(BridgeHeaders.CONTACT_ID, Long.class);
    }

    private String inboxIdentifierKey(long inboxId) {
        return "inbox-identifier:" + requests.accountId() + ":" + inboxId;
    }

    private String sourceIdKey(long inboxId, long contactId) {
        return "contact-source-id:" + requests.accountId() + ":" + inboxId + ":" + contactId;
    }

    static String replyText(StagedMessage message) {
        return switch (message.lifecycle) {
            case LifecycleEventMapper.DELETE -> "🗑️ This message was deleted on WhatsApp.";
            case LifecycleEventMapper.EDIT -> "✏️ Edited on WhatsApp:\n" + message.text;
            case LifecycleEventMapper.REACTION -> message.text == null || message.text.isEmpty()
                    ? "Removed the reaction" : "Reacted " + message.text;
            default -> throw new IllegalArgumentException("record " + message.itemId + " has lifecycle "
                    + message.lifecycle + ", which has no reply");
        };
    }

    static String statusText(StagedMessage message) {
        String reason = message.connectionStatusReason == null ? "" : " (statusReason "
                + message.connectionStatusReason + ")";
        return switch (message.connectionState) {
            case "open" -> "✅ WhatsApp instance " + message.instance + " is connected" + reason + ".";
            case "close", "refused" -> "⚠️ WhatsApp instance " + message.instance + " is disconnected: state "
                    + message.connectionState + reason + ". Messages are not received until it is connected again "
                    + "in EvolutionAPI.";
            default -> "WhatsApp instance " + message.instance + " is " + message.connectionState + reason + ".";
        };
    }

    private static String messageKey(String instance, String whatsAppId) {
        return "message:" + instance + ":" + whatsAppId;
    }

    private static String conversationKey(String instance, String whatsAppId) {
        return "message-conversation:" + instance + ":" + whatsAppId;
    }

    private static String pendingDeletionKey(String instance, String whatsAppId) {
        return "deleted:" + instance + ":" + whatsAppId;
    }
}
