package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.GeneratedWebhook;
import org.ecbridge.testsupport.S3ProxyServer;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Each branch of the size router through the real routes, with a real S3 server (S3Proxy) for stored files: an
 * attachment, a file over the attachment limit stored in S3 and posted as a link, an attachment Chatwoot rejects
 * that falls back to a link, and files over the bridge's maximum that are dead-lettered without being stored.
 */
class LargeMediaRoutingTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final String BUCKET = "bridge-media";
    private static final long ATTACHMENT_LIMIT_BYTES = 1024 * 1024;
    private static final long MAX_FILE_BYTES = 8L * 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LINK = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/\\S+)");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tempDir;

    private S3ProxyServer s3;
    private ChatwootStandIn chatwoot;
    private EvolutionStandIn evolution;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;

    @BeforeEach
    void startServers() throws Exception {
        s3 = S3ProxyServer.start(Files.createDirectories(tempDir.resolve("s3")), BUCKET);
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evolution")), EVOLUTION_KEY)
                .addInstance("atendimento-exemplo")
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.chatwoot.max-attachment-bytes", Long.toString(ATTACHMENT_LIMIT_BYTES));
        properties.put("bridge.media.max-file-bytes", Long.toString(MAX_FILE_BYTES));
        properties.put("bridge.storage.type", "s3");
        properties.put("bridge.s3.endpoint", s3.endpoint().toString());
        properties.put("bridge.s3.bucket", BUCKET);
        properties.put("bridge.s3.access-key", S3ProxyServer.ACCESS_KEY);
        properties.put("bridge.s3.secret-key", S3ProxyServer.SECRET_KEY);
        properties.put("bridge.s3.part-size-bytes", Long.toString(5L * 1024 * 1024));
        properties.put("bridge.evolution.url", evolution.baseUrl());
        properties.put("bridge.evolution.api-key", EVOLUTION_KEY);
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    @AfterEach
    void stopServers() throws Exception {
        bridge.close();
        evolution.close();
        chatwoot.close();
        s3.close();
    }

    @Test
    void fileUnderLimitIsAttached() throws Exception {
        GeneratedWebhook webhook = document("SMALL01", ATTACHMENT_LIMIT_BYTES - 1);

        post(webhook);
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertEquals(1, message.attachments().size());
        assertEquals(ATTACHMENT_LIMIT_BYTES - 1, message.attachments().get(0).sizeBytes());
        assertEquals(webhook.fileSha256(), message.attachments().get(0).sha256());
        assertTrue(objects().isEmpty(), "nothing stored in S3 for an attachment");
    }

    @Test
    void fileOverAttachmentLimitIsStoredInS3AndLinked() throws Exception {
        GeneratedWebhook webhook = document("LINK01", 7L * 1024 * 1024 + 3);

        post(webhook);
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertTrue(message.attachments().isEmpty(), "posted as a link, not an attachment");
        assertTrue(message.content().contains("relatorio.pdf"), message.content());
        assertTrue(message.content().contains("7.0 MiB"), message.content());
        List<S3Object> objects = objects();
        assertEquals(1, objects.size(), objects.toString());
        assertEquals(webhook.fileSha256(), sha256(s3.client().getObject(request -> request.bucket(BUCKET)
                .key(objects.get(0).key()))), "object in S3");
        assertEquals(webhook.fileSha256(), sha256(download(link(message))), "file behind the presigned link");
        assertEquals(0, countFiles(bridge.dataDir().resolve("staging/media")), "staged copy deleted");
    }

    @Test
    void attachmentRejectedBySizeFallsBackToLink() throws Exception {
        chatwoot.failNext("POST", "/messages$", 413, 1);
        GeneratedWebhook webhook = document("FALLBACK01", 600 * 1024);

        post(webhook);
        ChatwootMessage message = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertTrue(message.attachments().isEmpty());
        assertEquals(webhook.fileSha256(), sha256(download(link(message))));
    }

    @Test
    void inlineFileOverMaximumIsDeadLetteredAndNeverStored() throws Exception {
        GeneratedWebhook webhook = document("HUGE01", MAX_FILE_BYTES + 1);

        HttpResponse<String> response = post(webhook);
        ChatwootMessage note = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertEquals(200, response.statusCode(), "EvolutionAPI must not resend it");
        assertTrue(note.privateNote());
        assertTrue(note.content().contains("relatorio.pdf"), note.content());
        assertTrue(note.content().contains("bridge.media.max-file-bytes"), note.content());
        assertDeadLetter("HUGE01");
        assertNothingStored();
    }

    @Test
    void declaredFileOverMaximumIsNotFetched() throws Exception {
        Path huge = sparseFile(tempDir.resolve("huge.bin"), 2L * 1024 * 1024 * 1024 + 1);
        String path = "/media/evolution/huge.bin?X-Amz-Signature=abc";
        evolution.serveFile(path, huge, "application/octet-stream");
        String body = WebhookToChatwootTest.fixture("messages-upsert-document-mediaurl.json")
                .replaceAll("\"mediaUrl\": *\"[^\"]*\"", "\"mediaUrl\": \"" + evolution.mediaUrl(path) + "\"")
                .replace("\"fileLength\": \"48213\"", "\"fileLength\": \"2147483649\"");

        HttpResponse<String> response = webhooks.post(body);
        ChatwootMessage note = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertEquals(200, response.statusCode());
        assertTrue(note.privateNote());
        assertTrue(note.content().contains("2147483649"), note.content());
        assertTrue(evolution.requests().stream().noneMatch(request -> request.rawUri().startsWith("/media/")),
                "the file must not be downloaded at all");
        assertNothingStored();
    }

    @Test
    void fetchedFileGrowingOverMaximumIsDeadLettered() throws Exception {
        Path huge = sparseFile(tempDir.resolve("huge.bin"), 2L * 1024 * 1024 * 1024 + 1);
        String path = "/media/evolution/lying.bin?X-Amz-Signature=abc";
        evolution.serveFile(path, huge, "application/octet-stream");
        String body = WebhookToChatwootTest.fixture("messages-upsert-document-mediaurl.json")
                .replaceAll("\"mediaUrl\": *\"[^\"]*\"", "\"mediaUrl\": \"" + evolution.mediaUrl(path) + "\"");

        webhooks.post(body);
        ChatwootMessage note = chatwoot.awaitMessages(1, TIMEOUT).get(0);

        assertTrue(note.privateNote());
        assertDeadLetter("5D0A1B2C3D4E5F60718293A4B5C6D7E8");
        assertNothingStored();
    }

    private void assertDeadLetter(String messageId) throws Exception {
        Path dead = bridge.dataDir().resolve("staging/dead");
        long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
        while (countFiles(dead) == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        try (var files = Files.list(dead)) {
            JsonNode deadLetter = MAPPER.readTree(files.findFirst().orElseThrow().toFile());
            assertEquals(messageId, deadLetter.path("messageId").asText());
            assertFalse(deadLetter.hasNonNull("mediaFile"), "no media kept for a rejected file");
        }
    }

    private void assertNothingStored() throws Exception {
        assertEquals(0, countFiles(bridge.dataDir().resolve("staging/media")), "no staged media");
        assertEquals(0, countFiles(bridge.dataDir().resolve("staging/tmp")), "no partial media");
        assertTrue(objects().isEmpty(), "nothing in S3");
    }

    private GeneratedWebhook document(String messageId, long sizeBytes) {
        return new GeneratedWebhook(messageId, "relatorio.pdf", "application/pdf", sizeBytes, sizeBytes);
    }

    private HttpResponse<String> post(GeneratedWebhook webhook) throws Exception {
        HttpResponse<String> response = webhooks.postStream(webhook::body, webhook.bodyBytes(), TIMEOUT);
        assertEquals(200, response.statusCode(), response.body());
        return response;
    }

    private List<S3Object> objects() {
        try (S3Client client = s3.client()) {
            ListObjectsV2Response listing = client.listObjectsV2(request -> request.bucket(BUCKET));
            // The filesystem blob store lists folder markers beside the objects.
            return listing.contents().stream().filter(object -> !object.key().endsWith("/")).toList();
        }
    }

    private static URI link(ChatwootMessage message) {
        Matcher matcher = LINK.matcher(message.content());
        assertTrue(matcher.find(), "no link in " + message.content());
        return URI.create(matcher.group(1));
    }

    private static InputStream download(URI link) throws Exception {
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(link).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode(), "download of " + link);
        return response.body();
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static Path sparseFile(Path file, long sizeBytes) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(sizeBytes);
        }
        return file;
    }

    private static long countFiles(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }
}
