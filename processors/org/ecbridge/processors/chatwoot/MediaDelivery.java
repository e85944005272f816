package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.storage.MediaStore;
import org.ecbridge.storage.StoredMedia;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code media-router} route: measure a message's file, record whether it goes to Chatwoot as an
 * attachment or as a link to the media store, and reject files over the bridge's maximum.
 */
public final class MediaDelivery {

    public static final String ATTACHMENT = "attachment";
    public static final String LINK = "link";
    /** Exchange property: size of the file in bytes, or absent when the message has no file to route. */
    public static final String MEDIA_BYTES = "BridgeMediaBytes";

    private static final Logger LOG = LoggerFactory.getLogger(MediaDelivery.class);

    private final CamelContext context;
    private final StagingArea staging;
    private final Duration linkExpiry;
    private final long maxFileBytes;

    public MediaDelivery(CamelContext context, StagingArea staging, Duration linkExpiry, long maxFileBytes) {
        this.context = context;
        this.staging = staging;
        this.linkExpiry = linkExpiry;
        this.maxFileBytes = maxFileBytes;
    }

    /** Sets {@link #MEDIA_BYTES} to the staged file's size, or to the counted size of a file too large to keep. */
    public void measure(Exchange exchange) {
        StagedMessage.Media media = ChatwootRequests.message(exchange).media;
        exchange.removeProperty(MEDIA_BYTES);
        if (media == null) {
            return;
        }
        if (media.oversizedBytes != null) {
            exchange.setProperty(MEDIA_BYTES, media.oversizedBytes);
        } else if (media.file != null) {
            exchange.setProperty(MEDIA_BYTES, media.sizeBytes);
        }
    }

    public void deliverAsAttachment(Exchange exchange) throws IOException {
        choose(exchange, ATTACHMENT);
    }

    public void deliverAsLink(Exchange exchange) throws IOException {
        choose(exchange, LINK);
    }

    public boolean isLink(Exchange exchange) {
        StagedMessage.Media media = ChatwootRequests.message(exchange).media;
        return media != null && LINK.equals(media.delivery);
    }

    /** Fails the delivery for good: the file is over {@code bridge.media.max-file-bytes}. */
    public void rejectTooLarge(Exchange exchange) throws MediaRejectedException {
        StagedMessage message = ChatwootRequests.message(exchange);
        throw new MediaRejectedException("the " + message.media.kind + " " + message.media.fileName + " has "
                + exchange.getProperty(MEDIA_BYTES) + " bytes, over the bridge's maximum of " + maxFileBytes
                + " bytes (bridge.media.max-file-bytes); it was not stored");
    }

    /** Copies the staged file into the media store once, and keeps its link in the record. */
    public void storeForLink(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        StagedMessage.Media media = message.media;
        if (media.storedKey != null && media.linkExpiresAtMillis != null
                && media.linkExpiresAtMillis > System.currentTimeMillis()) {
            return;
        }
        MediaStore store = context.getRegistry().lookupByNameAndType("mediaStore", MediaStore.class);
        if (store == null) {
            throw new IllegalStateException("no media store is configured for files over the attachment limit; "
                    + "set bridge.storage.type to local or s3");
        }
        store.requireLinks();
        long startNanos = System.nanoTime();
        StoredMedia stored = store.store(staging.mediaFile(media.file), media.fileName,
                media.mimetype == null ? "application/octet-stream" : media.mimetype);
        long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
        media.storedKey = stored.key();
        media.linkUrl = store.downloadLink(stored, linkExpiry).toString();
        media.linkExpiresAtMillis = System.currentTimeMillis() + linkExpiry.toMillis();
        saveRecord(exchange, message);
        LOG.info("Stored the {} of message {} of instance {} ({} bytes) as {} for a link in {} ms", media.kind,
                message.messageId, message.instance, stored.sizeBytes(), stored.key(), elapsedMillis);
    }

    private void choose(Exchange exchange, String delivery) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        if (message.media.delivery == null) {
            message.media.delivery = delivery;
            saveRecord(exchange, message);
        }
        LOG.debug("The {} of message {} of instance {} goes to Chatwoot as {}", message.media.kind,
                message.messageId, message.instance, message.media.delivery);
    }

    void saveRecord(Exchange exchange, StagedMessage message) throws IOException {
        Path recordFile = exchange.getProperty(BridgeHeaders.RECORD_FILE, Path.class);
        if (recordFile != null) {
            staging.writeRecord(recordFile, message);
        }
    }
}
