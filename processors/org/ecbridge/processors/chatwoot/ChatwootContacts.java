package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code chatwoot-contact} route: find the Chatwoot contact of a chat in the state store, then by
 * Chatwoot's contact search, and create it (with its contact inbox) when there is none.
 */
public final class ChatwootContacts {

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootContacts.class);

    private final ChatwootRequests requests;
    private final StateStore state;
    private final Duration cacheTtl;
    private final long defaultInboxId;
    private final Map<String, Long> inboxByInstance;

    public ChatwootContacts(ChatwootRequests requests, StateStore state, Duration cacheTtl, long defaultInboxId,
            Map<String, Long> inboxByInstance) {
        this.requests = requests;
        this.state = state;
        this.cacheTtl = cacheTtl;
        this.defaultInboxId = defaultInboxId;
        this.inboxByInstance = inboxByInstance;
    }

    public ChatIdentity identity(Exchange exchange) {
        return ChatIdentity.of(ChatwootRequests.message(exchange), defaultInboxId, inboxByInstance);
    }

    /** Sets {@link BridgeHeaders#CONTACT_ID} from the state store, or removes it when it is not cached. */
    public void fromCache(Exchange exchange) {
        Optional<String> cached = state.get(cacheKey(identity(exchange)));
        if (cached.isPresent()) {
            exchange.setProperty(BridgeHeaders.CONTACT_ID, Long.parseLong(cached.get()));
        } else {
            exchange.removeProperty(BridgeHeaders.CONTACT_ID);
        }
    }

    public void searchRequest(Exchange exchange) throws IOException {
        ChatIdentity identity = identity(exchange);
        requests.prepare(exchange, "GET", "/contacts/search",
                ChatwootRequests.queryParameter("q", identity.searchQuery()) + "&include_contact_inboxes=false",
                null);
    }

    /** Picks the contact whose identifier or phone number is the chat's; a near match is not taken. */
    public void readSearch(Exchange exchange) throws IOException {
        ChatIdentity identity = identity(exchange);
        JsonNode response = requests.readJson(exchange);
        for (JsonNode contact : response.path("payload")) {
            boolean sameIdentifier = identity.identifier().equals(contact.path("identifier").asText(null));
            boolean samePhone = identity.phoneNumber() != null
                    && identity.phoneNumber().equals(contact.path("phone_number").asText(null));
            if (sameIdentifier || samePhone) {
                remember(exchange, identity, contact.path("id").asLong());
                return;
            }
        }
    }

    public void createRequest(Exchange exchange) throws IOException {
        ChatIdentity identity = identity(exchange);
        ObjectNode body = requests.mapper().createObjectNode()
                .put("inbox_id", identity.inboxId())
                .put("name", identity.name())
                .put("identifier", identity.identifier());
        if (identity.phoneNumber() != null) {
            body.put("phone_number", identity.phoneNumber());
        }
        requests.prepare(exchange, "POST", "/contacts", null, body);
    }

    public void readCreate(Exchange exchange) throws IOException {
        JsonNode contact = requests.readJson(exchange).path("payload").path("contact");
        if (!contact.path("id").canConvertToLong()) {
            throw new IOException("Chatwoot created a contact but its response has no payload.contact.id");
        }
        ChatIdentity identity = identity(exchange);
        remember(exchange, identity, contact.path("id").asLong());
        LOG.info("Created Chatwoot contact {} for {} in inbox {}", contact.path("id").asLong(),
                identity.identifier(), identity.inboxId());
    }

    /** Fails the delivery when neither search nor creation produced a contact id. */
    public void requireContact(Exchange exchange) {
        if (exchange.getProperty(BridgeHeaders.CONTACT_ID) == null) {
            throw new IllegalStateException("Chatwoot refused to create a contact for " + identity(exchange)
                    .identifier() + " and its search does not find one; check the contact in Chatwoot");
        }
    }

    private void remember(Exchange exchange, ChatIdentity identity, long contactId) {
        exchange.setProperty(BridgeHeaders.CONTACT_ID, contactId);
        state.put(cacheKey(identity), Long.toString(contactId), cacheTtl);
    }

    private String cacheKey(ChatIdentity identity) {
        return "contact:" + requests.accountId() + ":" + identity.identifier();
    }
}
