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
 * instance's inbox, or create one.
 */
public final class ChatwootConversations {

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootConversations.class);
    private static final Set<String> REUSABLE_STATUSES = Set.of("open", "pending", "snoozed");

    private final ChatwootRequests requests;
    private final ChatwootContacts contacts;
    private final StateStore state;
    private final Duration cacheTtl;

    public ChatwootConversations(ChatwootRequests requests, ChatwootContacts contacts, StateStore state,
            Duration cacheTtl) {
        this.requests = requests;
        this.contacts = contacts;
        this.state = state;
        this.cacheTtl = cacheTtl;
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
        for (JsonNode conversation : requests.readJson(exchange).path("payload")) {
            boolean sameInbox = conversation.path("inbox_id").asLong() == inboxId;
            boolean reusable = REUSABLE_STATUSES.contains(conversation.path("status").asText());
            if (sameInbox && reusable) {
                newest = Math.max(newest, conversation.path("id").asLong());
            }
        }
        if (newest > 0) {
            remember(exchange, newest);
        }
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
