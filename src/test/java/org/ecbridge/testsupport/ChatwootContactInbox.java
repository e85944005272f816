package org.ecbridge.testsupport;

/** The link between a contact and an inbox, named by a {@code sourceId} that is unique within the inbox. */
public record ChatwootContactInbox(long inboxId, String sourceId) {
}
