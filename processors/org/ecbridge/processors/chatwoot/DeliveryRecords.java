package org.ecbridge.processors.chatwoot;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First and last steps of the {@code chatwoot-delivery-<lane>} routes: load a staged record taken from the inbox,
 * hold the chat's lock while it is delivered, and clean up after a successful delivery.
 */
public final class DeliveryRecords {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRecords.class);

    private final StagingArea staging;
    private final StateStore state;
    private final Duration lockWait;
    private final Duration lockLease;

    public DeliveryRecords(StagingArea staging, StateStore state, Duration lockWait, Duration lockLease) {
        this.staging = staging;
        this.state = state;
        this.lockWait = lockWait;
        this.lockLease = lockLease;
    }

    /** Reads the record file (the file consumer's body) into {@link BridgeHeaders#MESSAGE}. */
    public void load(Exchange exchange) throws IOException {
        Path recordFile = exchange.getIn().getBody(File.class).toPath();
        StagedMessage message = staging.readRecord(recordFile);
        exchange.setProperty(BridgeHeaders.MESSAGE, message);
        exchange.setProperty(BridgeHeaders.RECORD_FILE, recordFile);
        exchange.setProperty(BridgeHeaders.MEDIA_PENDING, message.media != null && message.media.file == null
                && message.media.oversizedBytes == null);
        exchange.setProperty(BridgeHeaders.POST_ATTEMPTS, message.postAttempts);
        exchange.getIn().setBody(null);
        LOG.debug("Delivering message {} of instance {} (item {})", message.messageId, message.instance,
                message.itemId);
    }

    /** Logs a record whose message an earlier run delivered before it crashed; only the clean-up is left. */
    public void alreadyDelivered(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        LOG.info("Message {} of instance {} (item {}) was delivered before a restart; its record is removed",
                message.messageId, message.instance, message.itemId);
    }

    /** Takes the chat's lock until the exchange completes, so one chat's messages are posted one at a time. */
    public void lockChat(Exchange exchange) throws Exception {
        StagedMessage message = ChatwootRequests.message(exchange);
        StateStore.LockHandle lock = state.lock("lock:chat:" + message.instance + ":" + message.remoteJid,
                lockWait, lockLease);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange completed) {
                lock.close();
            }
        });
    }

    /** Writes the media fetch result back into the record, so a retry after a crash does not fetch again. */
    public void saveProgress(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        staging.writeRecord(exchange.getProperty(BridgeHeaders.RECORD_FILE, Path.class), message);
    }

    /**
     * Counts a message create request in the record before it is sent, so that after a crash or a timeout the
     * next attempt knows Chatwoot may have the message already.
     */
    public void recordPostAttempt(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        message.postAttempts++;
        staging.writeRecord(exchange.getProperty(BridgeHeaders.RECORD_FILE, Path.class), message);
        exchange.setProperty(BridgeHeaders.POST_ATTEMPTS, message.postAttempts);
    }

    /** Deletes the delivered message's media; the file consumer deletes the record. */
    public void complete(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        if (!message.delivered) {
            message.delivered = true;
            staging.writeRecord(exchange.getProperty(BridgeHeaders.RECORD_FILE, Path.class), message);
        }
        staging.deleteMedia(message);
        LOG.info("Delivered message {} of instance {} to Chatwoot conversation {} as message {} ({} media bytes, "
                + "SHA-256 {})", message.messageId, message.instance,
                exchange.getProperty(BridgeHeaders.CONVERSATION_ID),
                exchange.getProperty(BridgeHeaders.CHATWOOT_MESSAGE_ID),
                message.media == null || message.media.sizeBytes == null ? 0 : message.media.sizeBytes,
                message.media == null ? null : message.media.sha256Hex);
    }
}
