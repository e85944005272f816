package org.ecbridge.processors.reply;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.ecbridge.replies.ReplyArea;
import org.ecbridge.replies.StagedReply;
import org.ecbridge.state.MessageMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code chatwoot-reply-delivery} route: load a staged reply, plan the WhatsApp messages it becomes,
 * hand them out one at a time, and record each one sent, both in the record file (so a resumed delivery sends
 * only the rest) and in the {@link MessageMap} (so quotes, deletions and echoes can be matched later).
 */
public final class ReplyRecords {

    private static final Logger LOG = LoggerFactory.getLogger(ReplyRecords.class);

    private final ReplyArea replies;
    private final MessageMap messages;
    private final WhatsAppFormatter formatter;
    private final Duration messageMapTtl;

    public ReplyRecords(ReplyArea replies, MessageMap messages, WhatsAppFormatter formatter, Duration messageMapTtl) {
        this.replies = replies;
        this.messages = messages;
        this.formatter = formatter;
        this.messageMapTtl = messageMapTtl;
    }

    /** Reads the record file (the file consumer's body) into {@link ReplyHeaders#REPLY}. */
    public void load(Exchange exchange) throws IOException {
        Path recordFile = exchange.getIn().getBody(File.class).toPath();
        StagedReply reply = replies.readRecord(recordFile);
        exchange.setProperty(ReplyHeaders.REPLY, reply);
        exchange.setProperty(ReplyHeaders.RECORD_FILE, recordFile);
        exchange.getIn().setBody(null);
        LOG.debug("Delivering {} of Chatwoot message {} to instance {} (item {})", reply.kind,
                reply.chatwootMessageId, reply.instance, reply.itemId);
    }

    /**
     * Plans the parts once, and saves them with the record: the agent's text, then each attachment (a single
     * attachment carries the text as its caption), or one revocation per WhatsApp message of a deleted one.
     */
    public void plan(Exchange exchange) throws Exception {
        StagedReply reply = reply(exchange);
        if (reply.parts != null) {
            return;
        }
        reply.parts = StagedReply.REVOKE.equals(reply.kind) ? revocations(reply) : messageParts(reply);
        save(exchange);
    }

    public boolean hasPendingPart(Exchange exchange) {
        return reply(exchange).parts.stream().anyMatch(part -> !part.done);
    }

    /** Sets {@link ReplyHeaders#PART} to the first part not sent yet. */
    public void nextPart(Exchange exchange) {
        StagedReply.Part next = reply(exchange).parts.stream().filter(part -> !part.done).findFirst().orElseThrow();
        exchange.setProperty(ReplyHeaders.PART, next);
        exchange.removeProperty(ReplyHeaders.PROBE);
        exchange.removeProperty(ReplyHeaders.PLAN);
    }

    public boolean isAttachmentPart(Exchange exchange) {
        return StagedReply.Part.ATTACHMENT.equals(part(exchange).kind);
    }

    /** Records the sent part with the WhatsApp id EvolutionAPI returned, then saves the record. */
    public void partSent(Exchange exchange) throws IOException {
        StagedReply reply = reply(exchange);
        StagedReply.Part part = part(exchange);
        part.done = true;
        if (part.whatsAppMessageId != null && !StagedReply.Part.REVOKE.equals(part.kind)) {
            messages.recordSent(reply.accountId, reply.chatwootMessageId, reply.instance, reply.number,
                    part.whatsAppMessageId, messageMapTtl);
        }
        save(exchange);
        LOG.info("Sent {} part of Chatwoot message {} to {} of instance {} as WhatsApp message {}", part.sentAs,
                reply.chatwootMessageId, reply.number, reply.instance,
                part.whatsAppMessageId != null ? part.whatsAppMessageId : part.revokedId);
    }

    public void complete(Exchange exchange) {
        StagedReply reply = reply(exchange);
        LOG.info("Delivered {} of Chatwoot message {} in conversation {} to WhatsApp: {} messages", reply.kind,
                reply.chatwootMessageId, reply.conversationId, reply.parts == null ? 0 : reply.parts.size());
    }

    private List<StagedReply.Part> messageParts(StagedReply reply) throws ReplyRejectedException {
        if (reply.number == null) {
            throw new ReplyRejectedException("the Chatwoot contact has neither a WhatsApp identifier nor a phone "
                    + "number, so there is no WhatsApp chat to send to");
        }
        List<StagedReply.Part> parts = new ArrayList<>();
        String text = reply.content == null || reply.content.isBlank() ? null
                : formatter.format(reply.content, reply.senderName);
        if (reply.attachments.size() == 1) {
            parts.add(StagedReply.Part.attachment(0, text));
            return parts;
        }
        if (text != null) {
            parts.add(StagedReply.Part.text(text));
        }
        for (int i = 0; i < reply.attachments.size(); i++) {
            parts.add(StagedReply.Part.attachment(i, null));
        }
        return parts;
    }

    private List<StagedReply.Part> revocations(StagedReply reply) {
        Optional<MessageMap.WhatsAppMessages> whatsApp = messages.whatsAppOf(reply.accountId,
                reply.chatwootMessageId);
        List<StagedReply.Part> parts = new ArrayList<>();
        if (whatsApp.isEmpty() || !whatsApp.get().fromMe()) {
            LOG.info("Chatwoot message {} was deleted, but the bridge sent no WhatsApp message for it; nothing to "
                    + "revoke", reply.chatwootMessageId);
            return parts;
        }
        reply.number = whatsApp.get().remoteJid();
        for (String id : whatsApp.get().ids()) {
            parts.add(StagedReply.Part.revoke(id));
        }
        return parts;
    }

    private void save(Exchange exchange) throws IOException {
        replies.writeRecord(exchange.getProperty(ReplyHeaders.RECORD_FILE, Path.class), reply(exchange));
    }

    static StagedReply reply(Exchange exchange) {
        return exchange.getProperty(ReplyHeaders.REPLY, StagedReply.class);
    }

    static StagedReply.Part part(Exchange exchange) {
        return exchange.getProperty(ReplyHeaders.PART, StagedReply.Part.class);
    }

    static StagedReply.Attachment attachment(Exchange exchange) {
        return reply(exchange).attachments.get(part(exchange).attachment);
    }
}
