package org.ecbridge.processors.reply;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ecbridge.processors.media.DigestingFileOutputStream;
import org.ecbridge.processors.media.MediaTooLargeException;
import org.ecbridge.replies.ReplyArea;
import org.ecbridge.replies.StagedReply;
import org.ecbridge.storage.MediaStore;
import org.ecbridge.storage.StoredMedia;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code reply-attachment-copy} route: when the storage link of an attachment expires before
 * EvolutionAPI could fetch it, download the file as a stream into the replies folder, copy it into the media
 * store, and hand over the store's link instead. A file copied once is not copied again on redelivery.
 */
public final class AttachmentCopies {

    private static final Logger LOG = LoggerFactory.getLogger(AttachmentCopies.class);

    private final ReplyArea replies;
    private final Supplier<MediaStore> mediaStore;
    private final long maxFileBytes;
    private final Duration linkExpiry;

    /** @param mediaStore looks up the bean {@code mediaStore}, which the local or the S3 storage binds */
    public AttachmentCopies(ReplyArea replies, Supplier<MediaStore> mediaStore, long maxFileBytes,
            Duration linkExpiry) {
        this.replies = replies;
        this.mediaStore = mediaStore;
        this.maxFileBytes = maxFileBytes;
        this.linkExpiry = linkExpiry;
    }

    public boolean needed(Exchange exchange) {
        AttachmentPlan plan = plan(exchange);
        return plan.copyRequired() && ReplyRecords.part(exchange).stored == null;
    }

    public void request(Exchange exchange) {
        Message in = exchange.getIn();
        in.removeHeaders("*", ReplyHeaders.REDELIVERY_HEADERS);
        in.setHeader(Exchange.HTTP_METHOD, "GET");
        in.setHeader(Exchange.HTTP_URI, plan(exchange).sourceUrl());
        in.setBody(null);
    }

    /** Streams the downloaded body to disk and into the media store; the body must be the raw response stream. */
    public void store(Exchange exchange) throws Exception {
        StagedReply.Part part = ReplyRecords.part(exchange);
        AttachmentPlan plan = plan(exchange);
        Path temporary = replies.newTemporaryFile(".part");
        try (InputStream in = exchange.getIn().getMandatoryBody(InputStream.class);
                DigestingFileOutputStream out = new DigestingFileOutputStream(temporary, maxFileBytes)) {
            in.transferTo(out);
            out.close();
            StoredMedia stored = store().store(temporary, plan.fileName(), plan.mimetype());
            if (!stored.sha256Hex().equals(out.sha256Hex())) {
                throw new java.io.IOException("the media store's copy of " + plan.fileName() + " differs from the "
                        + "download (SHA-256 " + stored.sha256Hex() + " instead of " + out.sha256Hex() + ")");
            }
            part.stored = stored;
            LOG.info("Copied attachment {} of Chatwoot message {} into the media store as {} ({} bytes)",
                    ReplyRecords.attachment(exchange).id, ReplyRecords.reply(exchange).chatwootMessageId,
                    stored.key(), stored.sizeBytes());
        } catch (MediaTooLargeException e) {
            throw new ReplyRejectedException("the attachment " + plan.fileName() + " is larger than "
                    + maxFileBytes + " bytes (bridge.reply.max-document-bytes)");
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Points the plan at the media store's link, for a file copied now or on an earlier attempt. */
    public void useStoredLink(Exchange exchange) {
        StagedReply.Part part = ReplyRecords.part(exchange);
        AttachmentPlan plan = plan(exchange);
        if (!plan.copyRequired() || part.stored == null) {
            return;
        }
        String link = store().downloadLink(part.stored, linkExpiry).toString();
        exchange.setProperty(ReplyHeaders.PLAN, new AttachmentPlan(plan.sentAs(), plan.mimetype(), plan.fileName(),
                part.stored.sizeBytes(), link, true));
    }

    private MediaStore store() {
        MediaStore store = mediaStore.get();
        if (store == null) {
            throw new IllegalStateException("no bean named mediaStore is bound; set bridge.storage.type to local "
                    + "or configure the S3 media store");
        }
        return store;
    }

    private static AttachmentPlan plan(Exchange exchange) {
        return exchange.getProperty(ReplyHeaders.PLAN, AttachmentPlan.class);
    }
}
