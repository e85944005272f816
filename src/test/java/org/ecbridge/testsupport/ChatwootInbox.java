package org.ecbridge.testsupport;

/**
 * An API-channel inbox that a test configured on the Chatwoot stand-in.
 *
 * @param lockToSingleConversation when true, creating a conversation returns the contact's last conversation
 *                                 in this inbox instead of a new one, as Chatwoot does for such inboxes
 */
public record ChatwootInbox(long id, String name, boolean lockToSingleConversation, String inboxIdentifier) {
}
