package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.processors.webhook.WhatsAppFields;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code chatwoot-message} route: build the message create request (JSON for text, multipart with
 * the staged file streamed as {@code attachments[]} for media) and remember which Chatwoot message a WhatsApp
 * message became, so later replies can quote it.
 */
public final class ChatwootMessages {

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootMessages.class);
    private static final ContentType TEXT_UTF8 = ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8);

    private final ChatwootRequests requests;
    private final StagingArea staging;
    private final StateStore state;
    private final Duration messageMapTtl;
    private final ChatwootConversations conversations;

    public ChatwootMessages(ChatwootRequests requests, ChatwootConversations conversations, StagingArea staging,
            StateStore state, Duration messageMapTtl) {
        this.requests = requests;
        this.conversations = conversations;
        this.staging = staging;
        this.state = state;
        this.messageMapTtl = messageMapTtl;
    }

    public void createRequest(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        String path = "/conversations/" + conversationId + "/messages";
        String content = content(message);
        ObjectNode attributes = contentAttributes(message);
        String messageType = message.fromMe ? "outgoing" : "incoming";

        if (message.media == null || message.media.file == null) {
            ObjectNode body = requests.mapper().createObjectNode()
                    .put("content", content)
                    .put("message_type", messageType)
                    .put("private", false)
                    .put("source_id", sourceId(message));
            if (!attributes.isEmpty()) {
                body.set("content_attributes", attributes);
            }
            requests.prepare(exchange, "POST", path, null, body);
            return;
        }
        requests.prepare(exchange, "POST", path, null, null);
        exchange.getIn().setBody(multipart(message, content, messageType, attributes));
    }

    /**
     * Reads the response to the message create request, which is sent with {@code throwExceptionOnFailure=false}:
     * a 404 means the cached conversation is gone, so it is forgotten before the failure leads to a redelivery.
     */
    public void readCreate(Exchange exchange) throws Exception {
        StagedMessage message = ChatwootRequests.message(exchange);
        int status = exchange.getIn().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status == 404) {
            conversations.forget(exchange);
            throw new StaleConversationException("Chatwoot conversation of message " + message.messageId
                    + " no longer exists; a new one is found or created on redelivery");
        }
        if (status < 200 || status >= 300) {
            throw requests.failure(exchange, status);
        }
        JsonNode created = requests.readJson(exchange);
        long chatwootId = created.path("id").asLong(-1);
        exchange.setProperty(BridgeHeaders.CHATWOOT_MESSAGE_ID, chatwootId);
        if (chatwootId > 0) {
            state.put(messageKey(message.instance, message.messageId), Long.toString(chatwootId), messageMapTtl);
        }
    }

    /** Returns the Chatwoot message id a WhatsApp message was posted as, when the bridge posted it. */
    public Optional<Long> chatwootMessageId(String instance, String whatsAppMessageId) {
        return state.get(messageKey(instance, whatsAppMessageId)).map(Long::parseLong);
    }

    private HttpEntity multipart(StagedMessage message, String content, String messageType,
            ObjectNode attributes) {
        StagedMessage.Media media = message.media;
        Path file = staging.mediaFile(media.file);
        ContentType fileType = media.mimetype == null ? ContentType.APPLICATION_OCTET_STREAM
                : ContentType.parseLenient(media.mimetype);
        MultipartEntityBuilder builder = MultipartEntityBuilder.create()
                .setMode(HttpMultipartMode.EXTENDED)
                .setCharset(StandardCharsets.UTF_8);
        if (content != null && !content.isEmpty()) {
            builder.addTextBody("content", content, TEXT_UTF8);
        }
        builder.addTextBody("message_type", messageType, TEXT_UTF8);
        builder.addTextBody("private", "false", TEXT_UTF8);
        builder.addTextBody("source_id", sourceId(message), TEXT_UTF8);
        if (!attributes.isEmpty()) {
            builder.addTextBody("content_attributes", attributes.toString(), ContentType.APPLICATION_JSON);
        }
        builder.addPart(AttachmentPart.file("attachments[]", file, fileType, media.fileName));
        LOG.debug("Posting {} bytes of {} as {} for message {} of instance {}", media.sizeBytes, media.kind,
                media.fileName, message.messageId, message.instance);
        return builder.build();
    }

    /** Returns the text of the message, with the sender's name in a group and a note on media that is missing. */
    static String content(StagedMessage message) {
        StringBuilder content = new StringBuilder();
        if (message.isGroup() && !message.fromMe) {
            String sender = message.pushName != null ? message.pushName : "Unknown sender";
            String phone = WhatsAppFields.e164(message.participant).orElse(message.participant);
            content.append("**").append(sender).append("**");
            if (phone != null) {
                content.append(" (").append(phone).append(')');
            }
            content.append(":\n");
        }
        if (message.text != null) {
            content.append(message.text);
        }
        if (message.media != null && message.media.file == null) {
            content.append(content.length() > 0 ? "\n\n" : "").append("[The ").append(message.media.kind)
                    .append(' ').append(message.media.fileName).append(" could not be fetched: ")
                    .append(message.media.fetchFailure).append(']');
        }
        return content.toString();
    }

    private ObjectNode contentAttributes(StagedMessage message) {
        ObjectNode attributes = requests.mapper().createObjectNode();
        if (message.quotedMessageId != null) {
            chatwootMessageId(message.instance, message.quotedMessageId)
                    .ifPresent(id -> attributes.put("in_reply_to", id));
            attributes.put("in_reply_to_external_id", "WAID:" + message.quotedMessageId);
        }
        return attributes;
    }

    private static String sourceId(StagedMessage message) {
        return "WAID:" + message.messageId;
    }

    private static String messageKey(String instance, String whatsAppMessageId) {
        return "message:" + instance + ":" + whatsAppMessageId;
    }
}
