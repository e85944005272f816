package org.ecbridge.processors.reply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.replies.ReplyArea;
import org.ecbridge.replies.StagedReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code reply-failed} route: tell the agent in a private note of the conversation why a reply did
 * not reach WhatsApp, and keep the reply in {@code replies/dead/} when even the note cannot be posted.
 */
public final class ReplyFailures {

    private static final Logger LOG = LoggerFactory.getLogger(ReplyFailures.class);
    /** Exchange property: why the reply failed, kept for the dead letter when the note fails too. */
    private static final String FAILURE_REASON = "BridgeReplyFailureReason";

    private final ChatwootRequests requests;
    private final ReplyArea replies;
    private final ObjectMapper mapper;

    public ReplyFailures(ChatwootRequests requests, ReplyArea replies, ObjectMapper mapper) {
        this.requests = requests;
        this.replies = replies;
        this.mapper = mapper;
    }

    /** Prepares {@code POST .../conversations/<id>/messages} with a private note that gives the reason. */
    public void noteRequest(Exchange exchange) throws IOException {
        StagedReply reply = ReplyRecords.reply(exchange);
        String reason = reason(exchange);
        if (reply == null) {
            throw new IOException("a staged reply could not be read, so no note can be posted: " + reason);
        }
        LOG.error("Chatwoot message {} of conversation {} was not delivered to WhatsApp: {}",
                reply.chatwootMessageId, reply.conversationId, reason);
        ObjectNode body = requests.mapper().createObjectNode()
                .put("content", noteText(reply, reason))
                .put("message_type", "outgoing")
                .put("private", true);
        requests.prepare(exchange, "POST", "/conversations/" + reply.conversationId + "/messages", null, body);
    }

    public void noted(Exchange exchange) {
        StagedReply reply = ReplyRecords.reply(exchange);
        LOG.info("Posted a private note on the failed delivery of Chatwoot message {} in conversation {}",
                reply.chatwootMessageId, reply.conversationId);
    }

    /** Writes {@code dead/<itemId>.json} with the reply, the reason and why the note failed. */
    public void deadLetter(Exchange exchange) throws IOException {
        StagedReply reply = ReplyRecords.reply(exchange);
        Exception noteFailure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (reply == null) {
            LOG.error("An unreadable staged reply is dropped", noteFailure);
            return;
        }
        ObjectNode deadLetter = mapper.createObjectNode()
                .put("itemId", reply.itemId)
                .put("reason", exchange.getProperty(FAILURE_REASON, String.class))
                .put("noteFailure", describe(noteFailure))
                .put("failedAt", Instant.now().toString());
        deadLetter.set("reply", mapper.valueToTree(reply));
        Path target = replies.dead().resolve(reply.itemId + ".json");
        replies.writeRecord(target, deadLetter);
        LOG.error("Chatwoot message {} was not delivered and the note about it failed too ({}); kept as {}",
                reply.chatwootMessageId, describe(noteFailure), target);
    }

    private static String reason(Exchange exchange) {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason;
        if (failure instanceof ReplyRejectedException || failure instanceof MediaNotReadyException) {
            reason = failure.getMessage();
        } else if (failure instanceof HttpOperationFailedException http) {
            reason = http.getUri() + " answered HTTP " + http.getStatusCode() + " "
                    + abbreviate(http.getResponseBody());
        } else {
            reason = describe(failure);
        }
        exchange.setProperty(FAILURE_REASON, reason);
        return reason;
    }

    private static String noteText(StagedReply reply, String reason) {
        StringBuilder text = new StringBuilder("This message was not delivered to WhatsApp: ").append(reason)
                .append('.');
        if (reply.parts != null && reply.parts.size() > 1) {
            long sent = reply.parts.stream().filter(part -> part.done).count();
            text.append(" ").append(sent).append(" of its ").append(reply.parts.size())
                    .append(" WhatsApp messages were sent.");
        }
        return text.toString();
    }

    private static String describe(Exception failure) {
        return failure == null ? "unknown failure" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    private static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
