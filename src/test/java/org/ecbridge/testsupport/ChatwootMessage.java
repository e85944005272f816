package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;

/**
 * A message that the Chatwoot stand-in accepted.
 *
 * @param conversationDisplayId the conversation's per-account display id, as used in the request path
 * @param content               message text, or null when the request had none
 * @param messageType           {@code incoming} or {@code outgoing}
 * @param privateNote           the request's {@code private} flag
 * @param sourceId              the request's {@code source_id}, or null
 * @param contentAttributes     the request's {@code content_attributes}, parsed, or an empty object when absent
 */
public record ChatwootMessage(long id, long accountId, long conversationDisplayId, long inboxId, String content,
                              String messageType, boolean privateNote, String sourceId,
                              JsonNode contentAttributes, String contentType, String echoId, Instant createdAt,
                              List<ChatwootAttachment> attachments) {

    public ChatwootMessage {
        attachments = List.copyOf(attachments);
    }
}
