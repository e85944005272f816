package org.ecbridge.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.ecbridge.processors.media.FileNames;

/**
 * Media store on an S3 bucket. Uploads and presigned links go through the camel-aws2-s3 routes in
 * {@code routes/s3-storage.camel.yaml}; the upload is a multipart upload fed from a stream of known length, so the
 * producer never copies the file into the heap.
 */
public final class S3MediaStore implements MediaStore {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ProducerTemplate template;
    private final String keyPrefix;

    public S3MediaStore(ProducerTemplate template, String keyPrefix) {
        this.template = template;
        this.keyPrefix = keyPrefix;
    }

    @Override
    public StoredMedia store(Path file, String fileName, String contentType) throws IOException {
        long sizeBytes = Files.size(file);
        String key = keyPrefix + randomId() + "/" + FileNames.sanitize(fileName);
        MessageDigest sha256 = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256)) {
            Exchange result = template.request("direct:s3-put-object", exchange -> {
                exchange.getIn().setBody(in);
                exchange.getIn().setHeader(AWS2S3Constants.KEY, key);
                exchange.getIn().setHeader(AWS2S3Constants.CONTENT_LENGTH, sizeBytes);
                exchange.getIn().setHeader(AWS2S3Constants.CONTENT_TYPE, contentType);
                exchange.getIn().setHeader(AWS2S3Constants.CONTENT_DISPOSITION,
                        ContentDisposition.attachment(fileName));
            });
            if (result.getException() != null) {
                throw new IOException("Upload of " + key + " to S3 failed: " + result.getException().getMessage(),
                        result.getException());
            }
        }
        return new StoredMedia(key, fileName, contentType, sizeBytes, HexFormat.of().formatHex(sha256.digest()));
    }

    @Override
    public URI downloadLink(StoredMedia media, Duration expiry) {
        Exchange result = template.request("direct:s3-download-link", exchange -> {
            exchange.getIn().setHeader(AWS2S3Constants.KEY, media.key());
            exchange.getIn().setHeader(AWS2S3Constants.DOWNLOAD_LINK_EXPIRATION_TIME, expiry.toMillis());
        });
        if (result.getException() != null) {
            throw new IllegalStateException("Cannot presign a link to " + media.key(), result.getException());
        }
        return URI.create(result.getMessage().getBody(String.class));
    }

    @Override
    public void delete(String key) throws IOException {
        Exchange result = template.request("direct:s3-delete-object",
                exchange -> exchange.getIn().setHeader(AWS2S3Constants.KEY, key));
        if (result.getException() != null) {
            throw new IOException("Deleting " + key + " from S3 failed", result.getException());
        }
    }

    private static String randomId() {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
