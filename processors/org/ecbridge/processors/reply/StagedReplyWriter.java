package org.ecbridge.processors.reply;

import org.apache.camel.Exchange;
import org.ecbridge.replies.ReplyArea;
import org.ecbridge.replies.StagedReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands an accepted Chatwoot event over to the reply delivery route through the replies folder. */
public final class StagedReplyWriter {

    private static final Logger LOG = LoggerFactory.getLogger(StagedReplyWriter.class);

    private final ReplyArea replies;

    public StagedReplyWriter(ReplyArea replies) {
        this.replies = replies;
    }

    /** Writes the reply into the replies inbox, after which the webhook may get its response. */
    public void stage(Exchange exchange) throws Exception {
        StagedReply reply = exchange.getIn().getMandatoryBody(StagedReply.class);

        reply.itemId = replies.newItemId();
        reply.receivedAtMillis = System.currentTimeMillis();
        replies.stage(reply);

        LOG.debug("Staged {} of Chatwoot message {} for instance {} as {} ({} attachments)", reply.kind,
                reply.chatwootMessageId, reply.instance, reply.itemId, reply.attachments.size());
    }
}
