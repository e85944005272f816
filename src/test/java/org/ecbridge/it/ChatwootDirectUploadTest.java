package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.ecbridge.testsupport.ChatwootAttachment;
import org.ecbridge.testsupport.ChatwootDirectUploadStorage;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.GeneratedWebhook;
import org.ecbridge.testsupport.RecordedRequest;
import org.ecbridge.testsupport.S3ProxyServer;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Chatwoot's direct uploads through the real routes: the Chatwoot stand-in hands out presigned PUT URLs of a real
 * S3 server (S3Proxy), the bridge uploads the staged file there and posts the message with the blob's signed id.
 * A refused direct upload or a failed PUT posts a link instead.
 */
class ChatwootDirectUploadTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String BUCKET = "chatwoot-storage";
    /** The bridge's own media store, for files posted as links. */
    private static final String LINK_BUCKET = "bridge-media";
    private static final long THRESHOLD_BYTES = 256 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tempDir;

    private S3ProxyServer s3;
    private S3Presigner presigner;
    private ChatwootDirectUploadStorage storage;
    private ChatwootStandIn chatwoot;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;

    @BeforeEach
    void startServers() throws Exception {
        s3 = S3ProxyServer.start(Files.createDirectories(tempDir.resolve("s3")), BUCKET, LINK_BUCKET);
        presigner = S3Presigner.builder()
                .endpointOverride(s3.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build();
        storage = new ChatwootDirectUploadStorage(presigner, s3.client(), BUCKET);
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .enableDirectUploads(storage)
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.chatwoot.direct-uploads", "true");
        properties.put("bridge.chatwoot.direct-upload-threshold-bytes", Long.toString(THRESHOLD_BYTES));
        properties.put("bridge.storage.type", "s3");
        properties.put("bridge.s3.endpoint", s3.endpoint().toString());
        properties.put("bridge.s3.bucket", LINK_BUCKET);
        properties.put("bridge.s3.access-key", S3ProxyServer.ACCESS_KEY);
        properties.put("bridge.s3.secret-key", S3ProxyServer.SECRET_KEY);
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    @AfterEach
    void stopServers() throws Exception {
        bridge.close();
        chatwoot.close();
        presigner.close();
        s3.close();
    }

    @Test
    void largeAttachmentGoesStraightToStorage() throws Exception {
        GeneratedWebhook webhook = document("DIRECT01", 3L * 1024 * 1024 + 7);

        post(webhook);
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        List<ChatwootDirectUploadStorage.Blob> blobs = storage.blobs();
        assertEquals(1, blobs.size(), "one blob created");
        ChatwootDirectUploadStorage.Blob blob = blobs.get(0);
        assertEquals(1, message.attachments().size(), message.content());
        ChatwootAttachment attachment = message.attachments().get(0);
        assertEquals(blob.signedId(), attachment.signedId(), "message names the blob's signed id");
        assertEquals(webhook.fileSha256(), attachment.sha256(), "file attached in Chatwoot");
        assertEquals(webhook.fileSha256(), sha256(s3.client().getObject(request -> request.bucket(BUCKET)
                .key(blob.key()))), "object in S3");
        assertEquals(md5Base64(webhook), blob.checksum(), "checksum sent to direct_uploads");
        HeadObjectResponse head = s3.client().headObject(request -> request.bucket(BUCKET).key(blob.key()));
        assertEquals('"' + HexFormat.of().formatHex(Base64.getDecoder().decode(blob.checksum())) + '"',
                head.eTag(), "S3's MD5 of the object");
        assertEquals(3L * 1024 * 1024 + 7, blob.byteSize());
        assertEquals("relatorio.pdf", blob.fileName());
        assertEquals("application/pdf", blob.contentType());
        assertEquals(0, multipartMessageCreates(), "the file never went through Chatwoot's API");
    }

    @Test
    void smallAttachmentIsPostedAsMultipart() throws Exception {
        GeneratedWebhook webhook = document("SMALL01", THRESHOLD_BYTES);

        post(webhook);
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertTrue(storage.blobs().isEmpty(), "no direct upload at the threshold");
        assertEquals(1, multipartMessageCreates());
        assertEquals(webhook.fileSha256(), message.attachments().get(0).sha256());
    }

    @Test
    void refusedDirectUploadFallsBackToLink() throws Exception {
        int[] refusals = {404, 422, 501};
        for (int status : refusals) {
            chatwoot.failNext("POST", "/direct_uploads$", status, 1);
            post(document("REFUSED" + status, THRESHOLD_BYTES + status));
            chatwoot.awaitMessages(refusalsPosted(status, refusals), TIMEOUT);
        }

        List<ChatwootMessage> messages = chatwoot.awaitMessages(refusals.length, TIMEOUT);
        for (ChatwootMessage message : messages) {
            assertLink(message);
        }
        assertTrue(storage.blobs().isEmpty(), "no blob was created");
    }

    @Test
    void failedPutFallsBackToLink() throws Exception {
        s3.client().deleteBucket(request -> request.bucket(BUCKET));

        post(document("PUTFAIL01", THRESHOLD_BYTES * 2));
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertEquals(1, storage.blobs().size(), "the blob was created before the PUT failed");
        assertLink(message);
    }

    private void assertLink(ChatwootMessage message) {
        assertFalse(message.privateNote(), "not a dead-letter note: " + message.content());
        assertTrue(message.attachments().isEmpty(), message.sourceId() + " posted as a link");
        assertTrue(message.content().contains("relatorio.pdf"), message.content());
        assertTrue(message.content().contains(s3.endpoint() + "/" + LINK_BUCKET + "/"), message.content());
    }

    private static int refusalsPosted(int status, int[] refusals) {
        for (int i = 0; i < refusals.length; i++) {
            if (refusals[i] == status) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("unknown status " + status);
    }

    private long multipartMessageCreates() {
        return chatwoot.requests().stream()
                .filter(request -> request.method().equals("POST") && request.path().endsWith("/messages"))
                .map(RecordedRequest::contentType)
                .filter(type -> type != null && type.startsWith("multipart/"))
                .count();
    }

    private GeneratedWebhook document(String messageId, long sizeBytes) {
        return new GeneratedWebhook(messageId, "relatorio.pdf", "application/pdf", sizeBytes, sizeBytes);
    }

    private void post(GeneratedWebhook webhook) throws Exception {
        HttpResponse<String> response = webhooks.postStream(webhook::body, webhook.bodyBytes(), TIMEOUT);
        assertEquals(200, response.statusCode(), response.body());
    }

    private static String md5Base64(GeneratedWebhook webhook) throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        try (InputStream in = webhook.fileBytesStream()) {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) > 0) {
                md5.update(buffer, 0, read);
            }
        }
        return Base64.getEncoder().encodeToString(md5.digest());
    }

    private static String sha256(InputStream in) throws Exception {
        try (in) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
