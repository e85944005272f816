package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code chatwoot-conversation} route: reuse the contact's latest unresolved conversation in the
 * instance's inbox, reopen the newest resolved one when so configured, or create one.
 */
public final class ChatwootConversations {

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootConversations.class);
    /** Exchange property with the resolved conversation that {@link #reopenRequest} reopens. */
    public static final String RESOLVED_CONVERSATION_ID = "BridgeResolvedConversationId";
    private static final Set<String> REUSABLE_STATUSES = Set.of("open", "pending", "snoozed");

    private final ChatwootRequests requests;
    private final ChatwootContacts contacts;
    private final StateStore state;
    private final Duration cacheTtl;
    private volatile boolean reopenResolved;

    public ChatwootConversations(ChatwootRequests requests, ChatwootContacts contacts, StateStore state,
            Duration cacheTtl) {
        this.requests = requests;
        this.contacts = contacts;
        this.state = state;
        this.cacheTtl = cacheTtl;
    }

    /**
     * Makes {@link #readList} pick the newest resolved conversation for reopening when the contact has no
     * unresolved one ({@code bridge.lifecycle.resolved-conversation=reopen}), in place of starting a new one.
     */
    public void reopenResolved(boolean reopen) {
        this.reopenResolved = reopen;
    }

    /** Drops the cached conversation id of a chat, after its conversation's status changed in Chatwoot. */
    public void forgetChat(long inboxId, String identifier) {
        state.delete("conversation:" + requests.accountId() + ":" + inboxId + ":" + identifier);
    }

    public void fromCache(Exchange exchange) {
        Optional<String> cached = state.get(cacheKey(exchange));
        if (cached.isPresent()) {
            exchange.setProperty(BridgeHeaders.CONVERSATION_ID, Long.parseLong(cached.get()));
        } else {
            exchange.removeProperty(BridgeHeaders.CONVERSATION_ID);
        }
    }

    /** Drops the cached conversation, for example after Chatwoot responded that it no longer exists. */
    public void forget(Exchange exchange) {
        state.delete(cacheKey(exchange));
        exchange.removeProperty(BridgeHeaders.CONVERSATION_ID);
    }

    public void listRequest(Exchange exchange) throws IOException {
        requests.prepare(exchange, "GET", "/contacts/" + contactId(exchange) + "/conversations", null, null);
    }

    public void readList(Exchange exchange) throws IOException {
        long inboxId = contacts.identity(exchange).inboxId();
        long newest = -1;
        long newestResolved = -1;
        exchange.removeProperty(RESOLVED_CONVERSATION_ID);
        for (JsonNode conversation : requests.readJson(exchange).path("payload")) {
            boolean sameInbox = conversation.path("inbox_id").asLong() == inboxId;
            String status = conversation.path("status").asText();
            if (sameInbox && REUSABLE_STATUSES.contains(status)) {
                newest = Math.max(newest, conversation.path("id").asLong());
            } else if (sameInbox && status.equals("resolved")) {
                newestResolved = Math.max(newestResolved, conversation.path("id").asLong());
            }
        }
        if (newest > 0) {
            remember(exchange, newest);
        } else if (reopenResolved && newestResolved > 0) {
            exchange.setProperty(RESOLVED_CONVERSATION_ID, newestResolved);
        }
    }

    /** Prepares {@code POST .../conversations/{id}/toggle_status} with status open for the resolved conversation. */
    public void reopenRequest(Exchange exchange) throws IOException {
        long conversationId = exchange.getProperty(RESOLVED_CONVERSATION_ID, Long.class);
        ObjectNode body = requests.mapper().createObjectNode().put("status", "open");

        requests.prepare(exchange, "POST", "/conversations/" + conversationId + "/toggle_status", null, body);
    }

    public void readReopen(Exchange exchange) {
        long conversationId = exchange.getProperty(RESOLVED_CONVERSATION_ID, Long.class);
        exchange.removeProperty(RESOLVED_CONVERSATION_ID);

        remember(exchange, conversationId);
        LOG.info("Reopened resolved Chatwoot conversation {} of contact {}", conversationId, contactId(exchange));
    }

    public void createRequest(Exchange exchange) throws IOException {
        ObjectNode body = requests.mapper().createObjectNode()
                .put("inbox_id", contacts.identity(exchange).inboxId())
                .put("contact_id", contactId(exchange))
                .put("status", "open");
        requests.prepare(exchange, "POST", "/conversations", null, body);
    }

    public void readCreate(Exchange exchange) throws IOException {
        JsonNode conversation = requests.readJson(exchange);
        if (!conversation.path("id").canConvertToLong()) {
            throw new IOException("Chatwoot created a conversation but its response has no id");
        }
        remember(exchange, conversation.path("id").asLong());
        LOG.info("Created Chatwoot conversation {} for contact {}", conversation.path("id").asLong(),
                contactId(exchange));
    }

    private void remember(Exchange exchange, long conversationId) {
        exchange.setProperty(BridgeHeaders.CONVERSATION_ID, conversationId);
        state.put(cacheKey(exchange), Long.toString(conversationId), cacheTtl);
    }

    private static long contactId(Exchange exchange) {
        return exchange.getProperty(BridgeHeaders.CONTACT_ID, Long.class);
    }

    private String cacheKey(Exchange exchange) {
        ChatIdentity identity = contacts.identity(exchange);
        return "conversation:" + requests.accountId() + ":" + identity.inboxId() + ":" + identity.identifier();
    }
}
