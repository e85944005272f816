package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A conversation as the Chatwoot stand-in stores it.
 *
 * @param id                   internal id, unique across accounts, which the API never shows
 * @param displayId            the per-account number that the API calls {@code id}, counted from 1
 * @param contactInboxSourceId source id of the contact inbox that the conversation belongs to
 * @param status               one of {@code open}, {@code resolved}, {@code pending}, {@code snoozed}
 */
public record ChatwootConversation(long id, long accountId, long displayId, long inboxId, long contactId,
                                   String contactInboxSourceId, String status, String uuid,
                                   JsonNode additionalAttributes, JsonNode customAttributes, Instant createdAt) {
}
