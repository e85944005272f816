package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code chatwoot-direct-upload} route, Active Storage's direct-upload protocol as Chatwoot exposes
 * it when it runs with {@code DIRECT_UPLOADS_ENABLED}: create a blob with
 * {@code POST /conversations/{id}/direct_uploads}, {@code PUT} the staged file to the returned storage URL with
 * the returned headers, and keep the blob's signed id for the message create. The file then never passes
 * through Chatwoot's API, whose requests are cut off after 15 seconds.
 */
public final class ChatwootDirectUploads {

    /** Exchange property: which step is running, {@code blob} or {@code put}, for the route's error handling. */
    public static final String STEP = "BridgeDirectUploadStep";

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootDirectUploads.class);
    private static final String UPLOAD_URL = "BridgeDirectUploadUrl";
    private static final String UPLOAD_HEADERS = "BridgeDirectUploadHeaders";
    private static final String SIGNED_ID = "BridgeDirectUploadSignedId";

    private final ChatwootRequests requests;
    private final StagingArea staging;
    private final boolean enabled;
    private final long thresholdBytes;

    public ChatwootDirectUploads(ChatwootRequests requests, StagingArea staging, boolean enabled,
            long thresholdBytes) {
        this.requests = requests;
        this.staging = staging;
        this.enabled = enabled;
        this.thresholdBytes = thresholdBytes;
    }

    /** Returns true for a staged attachment over the threshold that has no uploaded blob yet. */
    public boolean applies(Exchange exchange) {
        StagedMessage.Media media = ChatwootRequests.message(exchange).media;
        return enabled && media != null && media.file != null && MediaDelivery.ATTACHMENT.equals(media.delivery)
                && media.sizeBytes != null && media.sizeBytes > thresholdBytes && media.directUploadSignedId == null;
    }

    /** Prepares {@code POST /conversations/{id}/direct_uploads} with the blob's name, size, MD5 and type. */
    public void blobRequest(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        StagedMessage.Media media = message.media;
        if (media.md5Base64 == null) {
            media.md5Base64 = md5Base64(staging.mediaFile(media.file));
            LOG.info("The staged {} of message {} of instance {} had no MD5, so it was computed by reading the file "
                    + "once", media.kind, message.messageId, message.instance);
        }
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);

        ObjectNode body = requests.mapper().createObjectNode();
        body.putObject("blob")
                .put("filename", media.fileName)
                .put("byte_size", media.sizeBytes)
                .put("checksum", media.md5Base64)
                .put("content_type", contentType(media));

        exchange.setProperty(STEP, "blob");
        requests.prepare(exchange, "POST", "/conversations/" + conversationId + "/direct_uploads", null, body);
    }

    /** Reads the blob's signed id and the storage URL and headers for the upload. */
    public void readBlob(Exchange exchange) throws IOException, DirectUploadUnavailableException {
        JsonNode blob = requests.readJson(exchange);
        String signedId = blob.path("signed_id").asText("");
        String url = blob.path("direct_upload").path("url").asText("");
        if (signedId.isEmpty() || url.isEmpty()) {
            throw new DirectUploadUnavailableException("Chatwoot's direct_uploads response has no signed_id or "
                    + "direct_upload.url (HTTP " + exchange.getIn().getHeader(Exchange.HTTP_RESPONSE_CODE) + ")");
        }

        exchange.setProperty(SIGNED_ID, signedId);
        exchange.setProperty(UPLOAD_URL, url);
        exchange.setProperty(UPLOAD_HEADERS, blob.path("direct_upload").path("headers"));
    }

    /** Prepares the PUT of the staged file, a {@code File} body so the request has a Content-Length. */
    public void putRequest(Exchange exchange) {
        StagedMessage.Media media = ChatwootRequests.message(exchange).media;
        Message in = exchange.getIn();
        in.removeHeaders("*");
        in.setHeader(Exchange.HTTP_METHOD, "PUT");
        in.setHeader(Exchange.HTTP_URI, exchange.getProperty(UPLOAD_URL, String.class));
        in.setHeader(Exchange.CONTENT_TYPE, contentType(media));
        JsonNode headers = exchange.getProperty(UPLOAD_HEADERS, JsonNode.class);
        for (Iterator<Map.Entry<String, JsonNode>> fields = headers.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> header = fields.next();
            String name = header.getKey().equalsIgnoreCase("Content-Type") ? Exchange.CONTENT_TYPE : header.getKey();
            in.setHeader(name, header.getValue().asText());
        }
        in.setBody(staging.mediaFile(media.file).toFile());
        exchange.setProperty(STEP, "put");
    }

    /** Keeps the signed id in the record, so a redelivery posts the message without uploading again. */
    public void uploaded(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        message.media.directUploadSignedId = exchange.getProperty(SIGNED_ID, String.class);
        saveRecord(exchange, message);
        exchange.getIn().setBody(null);
        LOG.info("Uploaded the {} of message {} of instance {} ({} bytes) straight to Chatwoot's storage",
                message.media.kind, message.messageId, message.instance, message.media.sizeBytes);
    }

    /** Falls back to a link when Chatwoot rejects the direct upload or the storage service rejects the PUT. */
    public void unavailable(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        message.media.delivery = MediaDelivery.LINK;
        saveRecord(exchange, message);
        LOG.warn("Direct upload of the {} of message {} of instance {} failed at the {} step ({}); posting a link "
                + "instead. Set bridge.chatwoot.direct-uploads=false unless Chatwoot runs with "
                + "DIRECT_UPLOADS_ENABLED.", message.media.kind, message.messageId, message.instance,
                exchange.getProperty(STEP), describe(failure));
    }

    /** Describes a failure without its URL, because a presigned upload URL carries a signature. */
    private static String describe(Exception failure) {
        if (failure instanceof org.apache.camel.http.base.HttpOperationFailedException http) {
            return "HTTP " + http.getStatusCode();
        }
        return failure == null ? "no reason given" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    private void saveRecord(Exchange exchange, StagedMessage message) throws IOException {
        Path recordFile = exchange.getProperty(BridgeHeaders.RECORD_FILE, Path.class);
        if (recordFile != null) {
            staging.writeRecord(recordFile, message);
        }
    }

    private static String contentType(StagedMessage.Media media) {
        return media.mimetype == null ? "application/octet-stream" : media.mimetype;
    }

    private static String md5Base64(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) > 0) {
                md5.update(buffer, 0, read);
            }
            return Base64.getEncoder().encodeToString(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no MD5", e);
        }
    }
}
