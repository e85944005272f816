package org.ecbridge.processors.webhook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.Exchange;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands an accepted message over to the delivery route through the staging area, or discards a duplicate. */
public final class StagedMessageWriter {

    private static final Logger LOG = LoggerFactory.getLogger(StagedMessageWriter.class);

    private final StagingArea staging;

    public StagedMessageWriter(StagingArea staging) {
        this.staging = staging;
    }

    /** Moves the message's record and media into the staging inbox; the webhook can be acknowledged after this. */
    public void stage(Exchange exchange) throws Exception {
        StagedMessage message = exchange.getIn().getMandatoryBody(StagedMessage.class);
        Path inlineMedia = exchange.getProperty(BridgeHeaders.INLINE_MEDIA, Path.class);

        message.itemId = staging.newItemId();
        message.receivedAtMillis = System.currentTimeMillis();
        staging.stage(message, inlineMedia);
        exchange.removeProperty(BridgeHeaders.INLINE_MEDIA);

        LOG.debug("Staged message {} of instance {} as {} ({} media bytes)", message.messageId, message.instance,
                message.itemId, message.media == null ? null : message.media.sizeBytes);
    }

    /** Deletes the inline media of a message that was accepted before. */
    public void discard(Exchange exchange) throws IOException {
        Path inlineMedia = exchange.getProperty(BridgeHeaders.INLINE_MEDIA, Path.class);
        if (inlineMedia != null) {
            Files.deleteIfExists(inlineMedia);
            exchange.removeProperty(BridgeHeaders.INLINE_MEDIA);
        }
        LOG.debug("Dropped duplicate message {} of instance {}", exchange.getIn().getHeader(BridgeHeaders.MESSAGE_ID),
                exchange.getIn().getHeader(BridgeHeaders.INSTANCE));
    }
}
