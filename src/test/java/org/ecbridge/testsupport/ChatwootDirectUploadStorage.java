package org.ecbridge.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.RoutingContext;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * The Active Storage side of Chatwoot's direct uploads for the stand-in, backed by a real S3 server:
 * {@code POST /conversations/{id}/direct_uploads} creates a blob and responds with its signed id and a presigned
 * PUT URL that signs the content type, Content-MD5 and length, so S3 itself checks the checksum. A message create
 * that names the signed id in {@code attachments} gets the object, read back from S3, as its attachment.
 */
public final class ChatwootDirectUploadStorage {

    private static final Duration URL_EXPIRY = Duration.ofMinutes(5);

    /** A blob created through direct_uploads, with the fields of the request. */
    public record Blob(String signedId, String key, String fileName, long byteSize, String checksum,
                       String contentType) {
    }

    private final S3Presigner presigner;
    private final S3Client client;
    private final String bucket;
    private final Map<String, Blob> blobsBySignedId = new ConcurrentHashMap<>();
    private final List<Blob> blobs = new CopyOnWriteArrayList<>();

    public ChatwootDirectUploadStorage(S3Presigner presigner, S3Client client, String bucket) {
        this.presigner = presigner;
        this.client = client;
        this.bucket = bucket;
    }

    public String bucket() {
        return bucket;
    }

    /** Returns the blobs created so far, in order. */
    public List<Blob> blobs() {
        return List.copyOf(blobs);
    }

    /** {@code POST .../direct_uploads} with {@code {"blob": {filename, byte_size, checksum, content_type}}}. */
    void createBlob(RoutingContext ctx) {
        JsonNode request = ChatwootRequests.jsonBody(ctx).path("blob");
        String fileName = ChatwootRequests.text(request, "filename");
        Long byteSize = ChatwootRequests.optionalLong(request, "byte_size");
        String checksum = ChatwootRequests.text(request, "checksum");
        String contentType = ChatwootRequests.text(request, "content_type");
        if (fileName == null || byteSize == null || checksum == null) {
            throw ChatwootErrors.unprocessable("blob needs filename, byte_size and checksum, got " + request);
        }

        Blob blob = new Blob("standin-signed-" + UUID.randomUUID(), UUID.randomUUID().toString().replace("-", ""),
                fileName, byteSize, checksum, contentType == null ? "application/octet-stream" : contentType);
        blobsBySignedId.put(blob.signedId(), blob);
        blobs.add(blob);
        PresignedPutObjectRequest put = presigner.presignPutObject(presign -> presign
                .signatureDuration(URL_EXPIRY)
                .putObjectRequest(PutObjectRequest.builder().bucket(bucket).key(blob.key())
                        .contentType(blob.contentType()).contentMD5(blob.checksum())
                        .contentLength(blob.byteSize()).build()));

        ObjectNode body = StandInJson.object()
                .put("key", blob.key())
                .put("filename", blob.fileName())
                .put("content_type", blob.contentType())
                .put("service_name", "amazon")
                .put("byte_size", blob.byteSize())
                .put("checksum", blob.checksum())
                .put("signed_id", blob.signedId());
        ObjectNode directUpload = body.putObject("direct_upload").put("url", put.url().toString());
        directUpload.putObject("headers")
                .put("Content-Type", blob.contentType())
                .put("Content-MD5", blob.checksum());
        StandInJson.send(ctx, 200, body);
    }

    /** Reads the object of a signed id back from S3 into {@code uploadsDir} and describes it as an upload. */
    ChatwootState.StoredUpload attach(String signedId, Path uploadsDir) {
        Blob blob = blobsBySignedId.get(signedId);
        if (blob == null) {
            throw ChatwootErrors.unprocessable("attachments contains an unknown signed id " + signedId);
        }
        try {
            Files.createDirectories(uploadsDir);
            Path file = uploadsDir.resolve("blob-" + blob.key());
            client.getObject(request -> request.bucket(bucket).key(blob.key()), file);
            return new ChatwootState.StoredUpload(blob.fileName(), blob.contentType(), Files.size(file),
                    Sha256.ofFile(file), file, signedId);
        } catch (java.io.IOException | software.amazon.awssdk.core.exception.SdkException e) {
            throw ChatwootErrors.unprocessable("the blob of signed id " + signedId + " is not in storage: " + e);
        }
    }
}
