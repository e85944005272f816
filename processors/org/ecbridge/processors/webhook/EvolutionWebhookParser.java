package org.ecbridge.processors.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.core.Base64Variant;
import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.processors.media.DigestingFileOutputStream;

/**
 * Parses an EvolutionAPI webhook envelope with Jackson's streaming parser, decoding {@code data.message.base64}
 * straight into a file while everything else is kept as a small JSON tree.
 *
 * <p>Heap use is bounded by {@code maxMetadataBytes} whatever the size of the file: the base64 value is decoded
 * in chunks by {@link JsonParser#readBinaryValue}, thumbnails and fields the bridge does not use are skipped
 * without being materialised, and the order of the fields does not matter.
 */
public final class EvolutionWebhookParser {

    private static final Base64Variant BASE64 = Base64Variants.MIME_NO_LINEFEEDS.withPaddingAllowed();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonFactory factory;
    private final long maxMetadataBytes;
    private final long maxMediaBytes;

    /** Where decoded media goes and which messages are worth decoding. */
    public interface MediaPolicy {
        /** Opens the temporary file that receives the decoded bytes. */
        Path newMediaFile() throws IOException;

        /** Returns false when inline base64 is not a configured media source, so it is skipped. */
        boolean decodeInline();

        /** Returns false for events that are not stored, so their media is skipped instead of decoded. */
        boolean isHandledEvent(String event);

        /** Returns true when this message was accepted before, so its media need not be decoded again. */
        boolean isDuplicate(String instance, String messageId);
    }

    /**
     * Inline media: the temporary file, its length, SHA-256 and MD5. A file over the maximum is counted and
     * discarded, so {@code file} and the hashes are null and {@code oversized} is true.
     */
    public record InlineMedia(Path file, long sizeBytes, String sha256Hex, String md5Base64, boolean oversized) {
    }

    /**
     * The parsed envelope. {@code data} holds every field of {@code data} except {@code message}, which is in
     * {@code message} without its base64 and thumbnails.
     */
    public record ParsedWebhook(String event, String instance, ObjectNode data, ObjectNode message,
            InlineMedia inlineMedia, boolean mediaSkipped, long metadataBytes) {
    }

    public EvolutionWebhookParser(long maxMetadataBytes, long maxMediaBytes) {
        this.maxMetadataBytes = maxMetadataBytes;
        this.maxMediaBytes = maxMediaBytes;
        int maxStringLength = (int) Math.min(Integer.MAX_VALUE, Math.max(maxMetadataBytes, 1024));
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(maxStringLength).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /**
     * Parses one envelope. On any failure the temporary media file is deleted before the exception leaves.
     *
     * @throws WebhookRejectedException with status 422 for malformed JSON, invalid base64 or oversized metadata
     */
    public ParsedWebhook parse(InputStream body, MediaPolicy policy) throws IOException {
        Envelope envelope = new Envelope(policy);
        try (JsonParser parser = factory.createParser(body)) {
            envelope.parser = parser;
            envelope.readEnvelope();
        } catch (StreamConstraintsException e) {
            envelope.discardMedia();
            if (String.valueOf(e.getOriginalMessage()).contains("nesting depth")) {
                throw WebhookRejectedException.invalid("malformed-json", "webhook body nests deeper than JSON "
                        + "from EvolutionAPI ever does: " + JsonErrors.describe(e), e);
            }
            throw WebhookRejectedException.invalid("metadata-too-large",
                    "webhook metadata is too large: " + JsonErrors.describe(e) + "; raise "
                            + "bridge.webhook.max-metadata-bytes if EvolutionAPI really sends this", e);
        } catch (JsonParseException e) {
            envelope.discardMedia();
            throw WebhookRejectedException.invalid("malformed-json", "webhook body is not valid JSON: "
                    + JsonErrors.describe(e) + " at byte " + e.getLocation().getByteOffset(), e);
        } catch (IOException | RuntimeException e) {
            envelope.discardMedia();
            throw e;
        }
        return new ParsedWebhook(envelope.event, envelope.instance, envelope.data, envelope.message,
                envelope.inlineMedia, envelope.mediaSkipped, envelope.metadataBytes);
    }

    /** The state of one parse. */
    private final class Envelope {
        private final MediaPolicy policy;
        private JsonParser parser;
        private String event;
        private String instance;
        private final ObjectNode data = NODES.objectNode();
        private ObjectNode message;
        private InlineMedia inlineMedia;
        private Path partialMedia;
        private boolean mediaSkipped;
        private long metadataBytes;
        private long treeStartOffset;
        /** Bytes of skipped thumbnails inside the tree being read, which take no heap. */
        private long treeSkippedBytes;

        private Envelope(MediaPolicy policy) {
            this.policy = policy;
        }

        private void readEnvelope() throws IOException {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw WebhookRejectedException.invalid("malformed-json", "webhook body must be a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "event" -> event = textOrNull(value);
                    case "instance" -> instance = textOrNull(value);
                    case "data" -> readData(value);
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw WebhookRejectedException.invalid("malformed-json", "webhook body has data after its end");
            }
        }

        private void readData(JsonToken value) throws IOException {
            if (value != JsonToken.START_OBJECT) {
                parser.skipChildren();
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken fieldValue = parser.nextToken();
                if (name.equals("message") && fieldValue == JsonToken.START_OBJECT) {
                    readMessage();
                } else {
                    data.set(name, readBoundedTree());
                }
            }
        }

        private void readMessage() throws IOException {
            message = NODES.objectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("base64") && value == JsonToken.VALUE_STRING) {
                    readBase64();
                } else if (isThumbnail(name)) {
                    parser.skipChildren();
                } else {
                    message.set(name, readBoundedTree());
                }
            }
        }

        private void readBase64() throws IOException {
            String messageId = data.path("key").path("id").asText(null);
            boolean unwanted = event != null && !policy.isHandledEvent(event);
            boolean duplicate = instance != null && messageId != null && policy.isDuplicate(instance, messageId);
            if (!policy.decodeInline() || unwanted || duplicate) {
                mediaSkipped = true;
                return;
            }
            if (inlineMedia != null) {
                throw WebhookRejectedException.invalid("malformed-json", "webhook has two data.message.base64");
            }
            partialMedia = policy.newMediaFile();
            try (DigestingFileOutputStream out = new DigestingFileOutputStream(partialMedia, maxMediaBytes, true)) {
                parser.readBinaryValue(BASE64, out);
                out.close();
                inlineMedia = out.oversized()
                        ? new InlineMedia(null, out.writtenBytes(), null, null, true)
                        : new InlineMedia(partialMedia, out.writtenBytes(), out.sha256Hex(), out.md5Base64(), false);
            } catch (JsonParseException e) {
                if (String.valueOf(e.getOriginalMessage()).contains("end-of-input")) {
                    throw WebhookRejectedException.invalid("malformed-json", "webhook body ends inside "
                            + "data.message.base64 at byte " + e.getLocation().getByteOffset()
                            + "; the body was cut short", e);
                }
                throw WebhookRejectedException.invalid("invalid-base64", "data.message.base64 is not valid base64: "
                        + JsonErrors.describe(e), e);
            } catch (IllegalArgumentException e) {
                throw WebhookRejectedException.invalid("invalid-base64", "data.message.base64 is not valid base64: "
                        + e.getMessage(), e);
            }
        }

        /** Reads the current value as a tree, counting its bytes against {@code maxMetadataBytes}. */
        private JsonNode readBoundedTree() throws IOException {
            treeStartOffset = parser.currentTokenLocation().getByteOffset();
            treeSkippedBytes = 0;
            JsonNode node = readValue();
            checkBudget();
            metadataBytes += parser.currentLocation().getByteOffset() - treeStartOffset - treeSkippedBytes;
            return node;
        }

        private JsonNode readValue() throws IOException {
            JsonToken token = parser.currentToken();
            return switch (token) {
                case START_OBJECT -> readObject();
                case START_ARRAY -> readArray();
                case VALUE_STRING -> NODES.textNode(parser.getText());
                case VALUE_NUMBER_INT -> NODES.numberNode(parser.getBigIntegerValue());
                case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
                case VALUE_TRUE -> NODES.booleanNode(true);
                case VALUE_FALSE -> NODES.booleanNode(false);
                default -> NODES.nullNode();
            };
        }

        private ObjectNode readObject() throws IOException {
            ObjectNode node = NODES.objectNode();
            long skipStartOffset = -1;
            while (true) {
                JsonToken token = parser.nextToken();
                if (skipStartOffset >= 0) {
                    // A skipped string is only consumed by nextToken, so its end is the next token's start.
                    treeSkippedBytes += parser.currentTokenLocation().getByteOffset() - skipStartOffset;
                    skipStartOffset = -1;
                }
                if (token != JsonToken.FIELD_NAME) {
                    return node;
                }
                String name = parser.currentName();
                parser.nextToken();
                if (isThumbnail(name)) {
                    skipStartOffset = parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                } else {
                    node.set(name, readValue());
                }
                checkBudget();
            }
        }

        private ArrayNode readArray() throws IOException {
            ArrayNode node = NODES.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                node.add(readValue());
                checkBudget();
            }
            return node;
        }

        private void checkBudget() {
            long pendingBytes = parser.currentLocation().getByteOffset() - treeStartOffset - treeSkippedBytes;
            if (metadataBytes + pendingBytes > maxMetadataBytes) {
                throw WebhookRejectedException.invalid("metadata-too-large", "webhook fields other than "
                        + "data.message.base64 exceed bridge.webhook.max-metadata-bytes (" + maxMetadataBytes
                        + " bytes)");
            }
        }

        private String textOrNull(JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                return parser.getText();
            }
            parser.skipChildren();
            return null;
        }

        private void discardMedia() {
            try {
                if (partialMedia != null) {
                    Files.deleteIfExists(partialMedia);
                }
            } catch (IOException ignored) {
                // The staging area removes leftover temporary files on the next start.
            }
        }
    }

    private static boolean isThumbnail(String fieldName) {
        return fieldName.equals("jpegThumbnail") || fieldName.equals("pngThumbnail")
                || fieldName.equals("thumbnail");
    }
}
