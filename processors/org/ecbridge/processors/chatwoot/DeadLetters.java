package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code dead-letter} route: record a message that could not be delivered as
 * {@code dead/<itemId>.json} (the staged record, the reason, the attempt count and where its media is kept), and
 * tell the agents with a private note in the conversation.
 */
public final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final String REASON = "BridgeDeadLetterReason";

    private final StagingArea staging;
    private final ObjectMapper mapper;
    private final ChatwootRequests requests;

    public DeadLetters(StagingArea staging, ObjectMapper mapper, ChatwootRequests requests) {
        this.staging = staging;
        this.mapper = mapper;
        this.requests = requests;
    }

    public void record(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = reason(failure);
        exchange.setProperty(REASON, reason);
        if (message == null) {
            LOG.error("A staged record could not be read and is dropped: {}", reason, failure);
            return;
        }
        ObjectNode deadLetter = mapper.createObjectNode();
        deadLetter.put("itemId", message.itemId);
        deadLetter.put("instance", message.instance);
        deadLetter.put("messageId", message.messageId);
        deadLetter.put("reason", reason);
        deadLetter.put("failedAt", Instant.now().toString());
        deadLetter.put("redeliveries", exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
        if (message.media != null && message.media.file != null) {
            deadLetter.put("mediaFile", staging.mediaFile(message.media.file).toString());
        }
        deadLetter.set("message", mapper.valueToTree(message));
        Path target = staging.dead().resolve(message.itemId + ".json");
        Path temporary = staging.newTemporaryFile(".json");
        mapper.writeValue(temporary.toFile(), deadLetter);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.error("Message {} of instance {} moved to the dead-letter folder as {}: {}", message.messageId,
                message.instance, target, reason);
    }

    /** Prepares the private note that informs agents which message or file could not be delivered, and why. */
    public void noteRequest(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        String subject = message.media == null ? "a WhatsApp message"
                : "the " + message.media.kind + " " + message.media.fileName + sizeOf(message.media);
        ObjectNode note = requests.mapper().createObjectNode()
                .put("content", "⚠️ The bridge could not deliver " + subject + " from this chat (WhatsApp id "
                        + message.messageId + "): " + exchange.getProperty(REASON, String.class)
                        + ". It is kept as dead letter " + message.itemId + ".")
                .put("message_type", "outgoing")
                .put("private", true);
        requests.prepare(exchange, "POST", "/conversations/" + conversationId + "/messages", null, note);
    }

    public void noteFailed(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.warn("Could not post the dead-letter note for message {} of instance {} to Chatwoot: {}",
                message == null ? null : message.messageId, message == null ? null : message.instance,
                reason(failure));
    }

    private static String sizeOf(StagedMessage.Media media) {
        Long bytes = media.oversizedBytes != null ? media.oversizedBytes : media.sizeBytes;
        return bytes == null ? "" : " (" + ChatwootMessages.humanSize(bytes) + ")";
    }

    private static String reason(Exception failure) {
        if (failure == null) {
            return "unknown failure";
        }
        if (failure instanceof org.apache.camel.http.base.HttpOperationFailedException http) {
            return "Chatwoot responded with HTTP " + http.getStatusCode() + " " + abbreviate(http.getResponseBody());
        }
        return failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        return body.length() <= 300 ? body : body.substring(0, 300) + "…";
    }
}
