package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A contact as the Chatwoot stand-in stores it, with a blank e-mail, phone number or identifier stored as null. */
public record ChatwootContact(long id, long accountId, String name, String email, String phoneNumber,
                              String identifier, boolean blocked, JsonNode additionalAttributes,
                              JsonNode customAttributes, Instant createdAt,
                              List<ChatwootContactInbox> contactInboxes) {

    public ChatwootContact {
        contactInboxes = List.copyOf(contactInboxes);
    }

    ChatwootContact withContactInbox(ChatwootContactInbox contactInbox) {
        List<ChatwootContactInbox> updated = new ArrayList<>(contactInboxes);
        updated.add(contactInbox);
        return new ChatwootContact(id, accountId, name, email, phoneNumber, identifier, blocked,
                additionalAttributes, customAttributes, createdAt, updated);
    }
}
