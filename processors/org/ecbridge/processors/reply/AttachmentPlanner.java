package org.ecbridge.processors.reply;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.ecbridge.processors.media.FileNames;
import org.ecbridge.replies.StagedReply;
import org.ecbridge.storage.PercentEncoding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how an attachment goes to WhatsApp from the probe's findings. The message type follows the real type
 * and WhatsApp's limits, the file name gets an extension that matches the type, and the plan tells whether the
 * storage link lives long enough for EvolutionAPI to fetch the file.
 *
 * <p>WhatsApp's limits used here are those of Meta's Cloud API: images up to 5 MiB, audio and video up to
 * 16 MiB. Larger media, and formats WhatsApp does not show inline (PSD, TIFF, SVG, HEIC, GIF and others), go as
 * documents, and files over {@code maxDocumentBytes} as a text with Chatwoot's download link.
 */
public final class AttachmentPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(AttachmentPlanner.class);
    static final long MAX_IMAGE_BYTES = 5L << 20;
    static final long MAX_AUDIO_VIDEO_BYTES = 16L << 20;

    private final long maxDocumentBytes;
    private final Duration minLinkLifetime;
    private final Clock clock;

    public AttachmentPlanner(long maxDocumentBytes, Duration minLinkLifetime, Clock clock) {
        this.maxDocumentBytes = maxDocumentBytes;
        this.minLinkLifetime = minLinkLifetime;
        this.clock = clock;
    }

    /**
     * Sets {@link ReplyHeaders#PLAN}. A caption that the chosen message type cannot carry becomes a text part
     * right after this one.
     */
    public void plan(Exchange exchange) {
        StagedReply reply = ReplyRecords.reply(exchange);
        StagedReply.Part part = ReplyRecords.part(exchange);
        StagedReply.Attachment attachment = ReplyRecords.attachment(exchange);
        AttachmentProbe.Probe probe = exchange.getProperty(ReplyHeaders.PROBE, AttachmentProbe.Probe.class);

        String rawName = nameFromUrl(attachment.dataUrl).orElse("");
        String type = realType(probe.contentType, rawName);
        String fileName = withExtension(FileNames.sanitize(rawName), attachment.id, type);
        long sizeBytes = probe.sizeBytes != null ? probe.sizeBytes
                : attachment.fileSizeBytes != null ? attachment.fileSizeBytes : -1;
        String sentAs = sentAs(type, sizeBytes);
        boolean copyRequired = !sentAs.equals("link") && expiresTooSoon(probe.url);
        AttachmentPlan plan = new AttachmentPlan(sentAs, type, fileName, sizeBytes, probe.url, copyRequired);

        if (part.text != null && !plan.carriesCaption()) {
            List<StagedReply.Part> parts = reply.parts;
            parts.add(parts.indexOf(part) + 1, StagedReply.Part.text(part.text));
            part.text = null;
        }
        exchange.setProperty(ReplyHeaders.PLAN, plan);
        LOG.info("Attachment {} of Chatwoot message {} goes as {} ({}, {} bytes, {})", attachment.id,
                reply.chatwootMessageId, sentAs, type, sizeBytes, copyRequired ? "copied to the media store"
                        : "fetched by EvolutionAPI from the storage");
    }

    String sentAs(String type, long sizeBytes) {
        boolean sizeKnown = sizeBytes >= 0;
        if (sizeBytes > maxDocumentBytes) {
            return "link";
        }
        if (MediaTypes.INLINE_IMAGE_TYPES.contains(type)) {
            return sizeKnown && sizeBytes <= MAX_IMAGE_BYTES ? "image" : "document";
        }
        boolean fitsAudioVideo = sizeKnown && sizeBytes <= MAX_AUDIO_VIDEO_BYTES;
        if (MediaTypes.INLINE_VIDEO_TYPES.contains(type)) {
            return fitsAudioVideo ? "video" : "document";
        }
        if (MediaTypes.VOICE_NOTE_TYPES.contains(type)) {
            return fitsAudioVideo ? "voice" : "document";
        }
        if (MediaTypes.INLINE_AUDIO_TYPES.contains(type)) {
            return fitsAudioVideo ? "audio" : "document";
        }
        return "document";
    }

    private boolean expiresTooSoon(String url) {
        Optional<Instant> expiresAt = LinkExpiry.of(url);
        return expiresAt.isPresent() && expiresAt.get().isBefore(clock.instant().plus(minLinkLifetime));
    }

    /** Returns the storage's type, or the one the name's extension implies when the storage's type is generic. */
    static String realType(String contentType, String fileName) {
        String type = MediaTypes.base(contentType);
        if (!MediaTypes.isGeneric(type)) {
            return type;
        }
        return MediaTypes.extensionOf(fileName).flatMap(MediaTypes::typeOfExtension).orElse(MediaTypes.OCTET_STREAM);
    }

    /** Appends the type's extension unless the name already ends in one that means the same type. */
    static String withExtension(String fileName, long attachmentId, String type) {
        String name = fileName.isEmpty() ? "attachment-" + attachmentId : fileName;
        Optional<String> current = MediaTypes.extensionOf(name);
        Optional<String> currentType = current.flatMap(MediaTypes::typeOfExtension);
        if (currentType.isPresent() && currentType.get().equals(type)) {
            return name;
        }
        if (MediaTypes.isGeneric(type) && current.isPresent() && currentType.isEmpty()) {
            // Neither the storage nor this table has a type for it, so the extension is the best information left.
            return name;
        }
        Optional<String> wanted = MediaTypes.extensionOfType(type);
        if (wanted.isEmpty()) {
            return current.isPresent() ? name : name + ".bin";
        }
        return FileNames.sanitize(name + "." + wanted.get());
    }

    /** Returns the last path segment of Chatwoot's {@code data_url}, which is the attachment's file name. */
    static Optional<String> nameFromUrl(String url) {
        String path = AttachmentProbe.withoutQuery(url);
        int slash = path.lastIndexOf('/');
        if (slash < 0 || slash == path.length() - 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(PercentEncoding.decode(path.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.of(path.substring(slash + 1));
        }
    }
}
