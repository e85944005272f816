package org.ecbridge.processors.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeType;
import org.apache.tika.mime.MimeTypeException;
import org.apache.tika.mime.MimeTypes;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step of the {@code media-type} route: finds a staged file's real type from its first bytes with Apache Tika's
 * magic numbers and file name globs ({@code MimeTypes} of tika-core), and fixes the media's mimetype and file
 * extension when WhatsApp's are missing or wrong.
 *
 * <p>The declared mimetype is kept unless it is missing, {@code false} (EvolutionAPI's value for an unknown
 * extension), {@code application/octet-stream}, or contradicted by magic bytes that name an unrelated type.
 * "Related" means equal or one a specialization of the other in Tika's type registry, so WhatsApp's more specific
 * {@code audio/ogg; codecs=opus} stays although Tika finds only {@code application/ogg} in the bytes.
 */
public final class MediaTypeDetector {

    private static final Logger LOG = LoggerFactory.getLogger(MediaTypeDetector.class);
    private static final String TIKA_INTERNAL_PREFIX = "x-tika-";
    /** The extension EvolutionAPI gives a file whose mimetype it could not look up, as in {@code 3EB0C7A1.false}. */
    private static final String UNKNOWN_EXTENSION = "false";

    private final StagingArea staging;
    private final int prefixBytes;
    private final MimeTypes mimeTypes = MimeTypes.getDefaultMimeTypes();
    private final MediaTypeRegistry registry = mimeTypes.getMediaTypeRegistry();

    /** The outcome of a detection: the mimetype and file name to deliver with. */
    public record Detection(String mimetype, String fileName) {
    }

    public MediaTypeDetector(StagingArea staging, int prefixBytes) {
        if (prefixBytes < 1) {
            throw new IllegalArgumentException("bridge.media.detect-prefix-bytes must be at least 1, got "
                    + prefixBytes + "; the default is 65536");
        }
        this.staging = staging;
        this.prefixBytes = prefixBytes;
    }

    /** Returns whether the exchange's message has media whose bytes are staged; a filter predicate. */
    public boolean hasStagedMedia(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        return message != null && message.media != null && message.media.file != null;
    }

    /** Reads the first bytes of the message's staged file and updates its mimetype and file name. */
    public void detect(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        StagedMessage.Media media = message.media;
        byte[] prefix = readPrefix(staging.mediaFile(media.file), prefixBytes);

        Detection detection = detect(prefix, media.mimetype, media.fileName);

        if (!detection.mimetype().equals(media.mimetype)) {
            LOG.info("Media of message {} (item {}) is {} by its content; declared mimetype was {}",
                    message.messageId, message.itemId, detection.mimetype(), media.mimetype);
        }
        if (!detection.fileName().equals(media.fileName)) {
            LOG.info("Media of message {} (item {}) renamed to match its type {}", message.messageId,
                    message.itemId, detection.mimetype());
            LOG.debug("Media of message {} renamed from {} to {}", message.messageId, media.fileName,
                    detection.fileName());
        }
        media.mimetype = detection.mimetype();
        media.fileName = detection.fileName();
    }

    /** Detects the type of a file from its first bytes, its declared mimetype and its name. */
    public Detection detect(byte[] prefix, String declaredMimetype, String fileName) throws IOException {
        MediaType magic = tikaDetect(prefix, null);
        MediaType hinted = usable(tikaDetect(prefix, fileName));
        MediaType declared = parse(declaredMimetype);

        String mimetype;
        if (declared == null || declared.equals(MediaType.OCTET_STREAM)) {
            mimetype = hinted.toString();
        } else if (isPositive(magic) && !related(magic, declared)) {
            mimetype = hinted.toString();
        } else {
            mimetype = declaredMimetype.trim();
        }

        return new Detection(mimetype, nameFor(fileName, parse(mimetype)));
    }

    /**
     * Returns {@code fileName} with the extension of {@code type} added, or put in place of one that contradicts
     * the type or is EvolutionAPI's {@code .false}. An extension Tika does not know stays, followed by the new one.
     */
    String nameFor(String fileName, MediaType type) {
        String extension = preferredExtension(type);
        if (fileName == null || fileName.isEmpty() || extension.isEmpty()) {
            return fileName;
        }
        String current = FileNames.extension(fileName);
        MediaType byName = current.isEmpty() ? MediaType.OCTET_STREAM
                : registry.normalize(mimeTypes.getMimeType(fileName).getType());

        String renamed;
        if (current.equals(UNKNOWN_EXTENSION)) {
            renamed = FileNames.stem(fileName) + "." + extension;
        } else if (byName.equals(MediaType.OCTET_STREAM)) {
            renamed = fileName + "." + extension;
        } else if (related(byName, type)) {
            return fileName;
        } else {
            renamed = FileNames.stem(fileName) + "." + extension;
        }

        return FileNames.truncateKeepingExtension(renamed, FileNames.MAX_NAME_BYTES);
    }

    private MediaType tikaDetect(byte[] prefix, String fileName) throws IOException {
        Metadata metadata = new Metadata();
        if (fileName != null) {
            metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, fileName);
        }
        try (InputStream in = TikaInputStream.get(prefix)) {
            return registry.normalize(mimeTypes.detect(in, metadata));
        }
    }

    /** Returns whether magic bytes identified the type, rather than Tika falling back to text or binary. */
    private static boolean isPositive(MediaType magic) {
        return !magic.equals(MediaType.OCTET_STREAM) && !magic.equals(MediaType.TEXT_PLAIN);
    }

    private boolean related(MediaType a, MediaType b) {
        MediaType baseA = registry.normalize(a.getBaseType());
        MediaType baseB = registry.normalize(b.getBaseType());
        return baseA.equals(baseB) || registry.isSpecializationOf(baseA, baseB)
                || registry.isSpecializationOf(baseB, baseA);
    }

    /** Replaces Tika's internal types, such as {@code application/x-tika-ooxml}, by their public supertype. */
    private MediaType usable(MediaType type) {
        MediaType current = type;
        while (current != null && current.getSubtype().startsWith(TIKA_INTERNAL_PREFIX)) {
            current = registry.getSupertype(current);
        }
        return current == null ? MediaType.OCTET_STREAM : current;
    }

    private String preferredExtension(MediaType type) {
        if (type == null || type.getBaseType().equals(MediaType.OCTET_STREAM)) {
            return "";
        }
        String usual = FileNames.usualExtension(type.getBaseType().toString());
        if (!usual.isEmpty()) {
            return usual;
        }
        try {
            MimeType known = mimeTypes.forName(type.getBaseType().toString());
            return known.getExtension().isEmpty() ? "" : known.getExtension().substring(1).toLowerCase(Locale.ROOT);
        } catch (MimeTypeException e) {
            return "";
        }
    }

    private static MediaType parse(String mimetype) {
        if (mimetype == null || mimetype.isBlank() || mimetype.trim().equalsIgnoreCase("false")) {
            return null;
        }
        return MediaType.parse(mimetype.trim());
    }

    /** Reads at most {@code maxBytes} from the start of {@code file}. */
    static byte[] readPrefix(Path file, int maxBytes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(maxBytes);
        }
    }
}
