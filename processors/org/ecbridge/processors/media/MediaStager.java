package org.ecbridge.processors.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Optional;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import org.apache.camel.Exchange;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.webhook.MessageUpsertMapper;
import org.ecbridge.processors.webhook.WhatsAppFields;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams fetched media into the staging area while computing its SHA-256: a raw download (a {@code mediaUrl})
 * or the {@code base64} field of EvolutionAPI's {@code getBase64FromMediaMessage} response, decoded as it is read.
 */
public final class MediaStager {

    private static final Logger LOG = LoggerFactory.getLogger(MediaStager.class);
    private static final Base64Variant BASE64 = Base64Variants.MIME_NO_LINEFEEDS.withPaddingAllowed();

    private final StagingArea staging;
    private final long maxMediaBytes;
    private final JsonFactory factory = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(1024 * 1024).build())
            .build();

    public MediaStager(StagingArea staging, long maxMediaBytes) {
        this.staging = staging;
        this.maxMediaBytes = maxMediaBytes;
    }

    /** Stages the body of a media download; the body must be the raw response stream. */
    public void stageDownload(Exchange exchange) throws Exception {
        StagedMessage message = ChatwootRequests.message(exchange);
        Path temporary = staging.newTemporaryFile(".part");
        try (InputStream in = exchange.getIn().getMandatoryBody(InputStream.class);
                DigestingFileOutputStream out = new DigestingFileOutputStream(temporary, maxMediaBytes)) {
            in.transferTo(out);
            out.close();
            requireDeclared(message, out, "media-url");
            if (message.media.mimetype == null) {
                message.media.mimetype = exchange.getIn().getHeader(Exchange.CONTENT_TYPE, String.class);
            }
            place(message, temporary, out, "media-url");
        } catch (MediaTooLargeException e) {
            stopOversized(message, e, "media-url");
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Stages the {@code base64} field of a {@code getBase64FromMediaMessage} response, decoding it as it streams. */
    public void stageBase64Response(Exchange exchange) throws Exception {
        StagedMessage message = ChatwootRequests.message(exchange);
        Path temporary = staging.newTemporaryFile(".part");
        try (InputStream in = exchange.getIn().getMandatoryBody(InputStream.class);
                JsonParser parser = factory.createParser(in);
                DigestingFileOutputStream out = new DigestingFileOutputStream(temporary, maxMediaBytes)) {
            boolean decoded = readResponse(parser, out, message.media);
            out.close();
            if (!decoded) {
                throw new IOException("getBase64FromMediaMessage responded without a base64 field");
            }
            requireDeclared(message, out, "evolution-api");
            place(message, temporary, out, "evolution-api");
        } catch (MediaTooLargeException e) {
            stopOversized(message, e, "evolution-api");
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static boolean readResponse(JsonParser parser, DigestingFileOutputStream out, StagedMessage.Media media)
            throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IOException("getBase64FromMediaMessage responded with something other than a JSON object");
        }
        boolean decoded = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            if (name.equals("base64") && value == JsonToken.VALUE_STRING) {
                parser.readBinaryValue(BASE64, out);
                decoded = true;
            } else if (name.equals("mimetype") && value == JsonToken.VALUE_STRING && media.mimetype == null
                    && !parser.getText().equals("false")) {
                media.mimetype = parser.getText();
            } else {
                parser.skipChildren();
            }
        }
        return decoded;
    }

    /**
     * Checks a fetched file against the {@code fileLength} and {@code fileSha256} that the WhatsApp message
     * declares, when it declares them, so that an error page or a wrong object is not posted as the file.
     *
     * @throws MediaIntegrityException on a mismatch; the route then tries the next media source
     */
    static void requireDeclared(StagedMessage message, DigestingFileOutputStream out, String source)
            throws IOException {
        Long declaredBytes = message.media.declaredBytes;
        if (declaredBytes != null && declaredBytes != out.writtenBytes()) {
            throw new MediaIntegrityException(source + " returned " + out.writtenBytes() + " bytes for the "
                    + message.media.kind + " of message " + message.messageId + ", but its fileLength is "
                    + declaredBytes);
        }
        Optional<byte[]> declaredSha256 = MessageUpsertMapper.contentOf(message.message)
                .flatMap(content -> WhatsAppFields.bytes(content.getValue().get("fileSha256")));
        if (declaredSha256.isPresent() && !HexFormat.of().formatHex(declaredSha256.get()).equals(out.sha256Hex())) {
            throw new MediaIntegrityException(source + " returned a file with SHA-256 " + out.sha256Hex()
                    + " for the " + message.media.kind + " of message " + message.messageId + ", but its fileSha256 is "
                    + HexFormat.of().formatHex(declaredSha256.get()));
        }
    }

    /** Records a file that grew past the maximum while it was fetched; what was read of it is deleted. */
    static void stopOversized(StagedMessage message, MediaTooLargeException e, String source) {
        message.media.oversizedBytes = e.seenBytes();
        message.media.source = source;
        LOG.warn("Stopped fetching the {} of message {} of instance {} from {}: {}", message.media.kind,
                message.messageId, message.instance, source, e.getMessage());
    }

    private void place(StagedMessage message, Path temporary, DigestingFileOutputStream out, String source)
            throws IOException {
        String sha256Hex = out.sha256Hex();
        String md5Base64 = out.md5Base64();
        place(message, temporary, new WhatsAppMediaDecryptor.DecryptedMedia(out.writtenBytes(), sha256Hex,
                md5Base64), source);
    }

    /** Moves a checked temporary file into place as the message's staged media. */
    void place(StagedMessage message, Path temporary, WhatsAppMediaDecryptor.DecryptedMedia staged, String source)
            throws IOException {
        String mediaName = message.itemId + ".media";
        Files.move(temporary, staging.mediaFile(mediaName), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        message.media.file = mediaName;
        message.media.sizeBytes = staged.sizeBytes();
        message.media.sha256Hex = staged.sha256Hex();
        message.media.md5Base64 = staged.md5Base64();
        message.media.source = source;
        message.media.fetchFailure = null;
    }
}
