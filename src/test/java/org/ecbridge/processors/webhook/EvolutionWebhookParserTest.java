package org.ecbridge.processors.webhook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvolutionWebhookParserTest {

    private static final long MAX_METADATA_BYTES = 64 * 1024;
    private static final long MAX_MEDIA_BYTES = 16L * 1024 * 1024;

    @TempDir
    Path tempDir;

    private final EvolutionWebhookParser parser = new EvolutionWebhookParser(MAX_METADATA_BYTES, MAX_MEDIA_BYTES);

    @Test
    void imageFixtureDecodesToDeclaredHash() throws Exception {
        EvolutionWebhookParser.ParsedWebhook parsed = parse(fixture("messages-upsert-image-base64.json"));

        assertEquals("messages.upsert", parsed.event());
        assertEquals("atendimento-exemplo", parsed.instance());
        assertNotNull(parsed.inlineMedia(), "inline media");
        assertEquals(371, parsed.inlineMedia().sizeBytes());
        byte[] declared = WhatsAppFields.bytes(parsed.message().path("imageMessage").get("fileSha256")).orElseThrow();
        assertEquals(HexFormat.of().formatHex(declared), parsed.inlineMedia().sha256Hex());
        assertEquals(parsed.inlineMedia().sha256Hex(), sha256(parsed.inlineMedia().file()));
        assertFalse(parsed.message().has("base64"), "base64 must not be kept in the metadata");
    }

    @Test
    void psdFixtureDecodesToPhotoshopBytes() throws Exception {
        EvolutionWebhookParser.ParsedWebhook parsed = parse(fixture("messages-upsert-document-base64.json"));

        byte[] bytes = Files.readAllBytes(parsed.inlineMedia().file());
        assertEquals(340, bytes.length);
        assertEquals("8BPS", new String(bytes, 0, 4, StandardCharsets.US_ASCII));
        byte[] declared = WhatsAppFields.bytes(parsed.message().path("documentMessage").get("fileSha256"))
                .orElseThrow();
        assertEquals(HexFormat.of().formatHex(declared), parsed.inlineMedia().sha256Hex());
    }

    @Test
    void everyFixtureParses() throws Exception {
        for (String name : List.of("messages-upsert-text.json", "messages-upsert-document-mediaurl.json",
                "messages-upsert-audio-ptt.json", "messages-upsert-video-no-media.json",
                "messages-upsert-group-quoted.json", "messages-update-read.json", "connection-update.json")) {
            EvolutionWebhookParser.ParsedWebhook parsed = parse(fixture(name));
            assertEquals("atendimento-exemplo", parsed.instance(), name);
            assertNull(parsed.inlineMedia(), name + " has no inline media");
        }
    }

    @Test
    void base64BeforeEventAndKeyStillDecodes() throws Exception {
        byte[] media = randomBytes(200_000, 7);
        String json = "{\"data\":{\"message\":{\"base64\":\"" + Base64.getEncoder().encodeToString(media)
                + "\",\"documentMessage\":{\"fileName\":\"a.bin\"}},\"key\":{\"id\":\"X1\",\"remoteJid\":"
                + "\"5511900000001@s.whatsapp.net\"}},\"instance\":\"i\",\"event\":\"messages.upsert\"}";

        EvolutionWebhookParser.ParsedWebhook parsed = parse(json.getBytes(StandardCharsets.UTF_8));

        assertEquals("messages.upsert", parsed.event());
        assertEquals("X1", parsed.data().path("key").path("id").asText());
        assertArrayEquals(media, Files.readAllBytes(parsed.inlineMedia().file()));
    }

    @Test
    void base64WithEscapedSlashesDecodes() throws Exception {
        byte[] media = randomBytes(3000, 11);
        String encoded = Base64.getEncoder().encodeToString(media).replace("/", "\\/");
        String json = envelope("\"base64\":\"" + encoded + "\"");

        EvolutionWebhookParser.ParsedWebhook parsed = parse(json.getBytes(StandardCharsets.UTF_8));

        assertArrayEquals(media, Files.readAllBytes(parsed.inlineMedia().file()));
    }

    @Test
    void invalidBase64IsRejectedAndLeavesNoFile() {
        String json = envelope("\"base64\":\"QUJD*RUY=\"");

        WebhookRejectedException rejected = assertThrows(WebhookRejectedException.class,
                () -> parse(json.getBytes(StandardCharsets.UTF_8)));

        assertEquals(422, rejected.status());
        assertEquals("invalid-base64", rejected.errorCode());
        assertEquals(0, tempDir.toFile().list().length, "partial media file must be deleted");
    }

    @Test
    void malformedJsonIsRejected() {
        WebhookRejectedException rejected = assertThrows(WebhookRejectedException.class,
                () -> parse("{\"event\":\"messages.upsert\",\"data\":{".getBytes(StandardCharsets.UTF_8)));

        assertEquals(422, rejected.status());
        assertEquals("malformed-json", rejected.errorCode());
    }

    @Test
    void parseErrorQuotesNoBodyText() {
        String secret = "Segredo do cliente 5511900000001";

        WebhookRejectedException rejected = assertThrows(WebhookRejectedException.class,
                () -> parse(("{\"event\":\"messages.upsert\",\"data\":" + secret.replace(' ', '_') + "}")
                        .getBytes(StandardCharsets.UTF_8)));

        assertEquals("malformed-json", rejected.errorCode());
        assertFalse(rejected.getMessage().contains("Segredo"), rejected.getMessage());
        assertTrue(rejected.getMessage().contains("Unrecognized token '…'"), rejected.getMessage());
    }

    @Test
    void deepNestingNamesNoSetting() {
        String json = "{\"event\":\"messages.upsert\",\"data\":" + "[".repeat(5000) + "]".repeat(5000) + "}";

        WebhookRejectedException rejected = assertThrows(WebhookRejectedException.class,
                () -> parse(json.getBytes(StandardCharsets.UTF_8)));

        assertEquals("malformed-json", rejected.errorCode());
        assertFalse(rejected.getMessage().contains("max-metadata-bytes"), rejected.getMessage());
    }

    @Test
    void bodyCutInsideBase64IsMalformed() {
        String json = "{\"event\":\"messages.upsert\",\"instance\":\"i\",\"data\":{\"key\":{\"id\":\"1\"},"
                + "\"messageType\":\"documentMessage\",\"message\":{\"documentMessage\":{},\"base64\":\"QUJD";

        WebhookRejectedException rejected = assertThrows(WebhookRejectedException.class,
                () -> parse(json.getBytes(StandardCharsets.UTF_8)));

        assertEquals("malformed-json", rejected.errorCode());
        assertTrue(rejected.getMessage().contains("cut short"), rejected.getMessage());
        assertEquals(0, tempDir.toFile().list().length, "partial media file must be deleted");
    }

    @Test
    void nonObjectBodyIsRejected() {
        WebhookRejectedException rejected = assertThrows(WebhookRejectedException.class,
                () -> parse("[1,2,3]".getBytes(StandardCharsets.UTF_8)));

        assertEquals("malformed-json", rejected.errorCode());
    }

    @Test
    void oversizedMetadataIsRejected() {
        StringBuilder bloat = new StringBuilder("[");
        for (int i = 0; i < 20_000; i++) {
            bloat.append(i == 0 ? "" : ",").append("\"xxxxxxxx\"");
        }
        String json = "{\"event\":\"messages.upsert\",\"instance\":\"i\",\"data\":{\"key\":{\"id\":\"1\"},"
                + "\"extra\":" + bloat + "]}}";

        WebhookRejectedException rejected = assertThrows(WebhookRejectedException.class,
                () -> parse(json.getBytes(StandardCharsets.UTF_8)));

        assertEquals("metadata-too-large", rejected.errorCode());
    }

    @Test
    void thumbnailIsSkippedWithoutCountingAgainstMetadata() throws Exception {
        String thumbnail = "A".repeat((int) MAX_METADATA_BYTES * 2);
        String json = envelope("\"imageMessage\":{\"mimetype\":\"image/jpeg\",\"jpegThumbnail\":\"" + thumbnail
                + "\"}");

        EvolutionWebhookParser.ParsedWebhook parsed = new EvolutionWebhookParser(MAX_METADATA_BYTES * 4,
                MAX_MEDIA_BYTES).parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), policy());

        JsonNode image = parsed.message().path("imageMessage");
        assertEquals("image/jpeg", image.path("mimetype").asText());
        assertFalse(image.has("jpegThumbnail"));
        assertTrue(parsed.metadataBytes() < MAX_METADATA_BYTES, "thumbnail bytes are not metadata");
    }

    @Test
    void mediaOverMaximumIsCountedNotStored() throws Exception {
        byte[] media = randomBytes(40_000, 3);
        String json = envelope("\"base64\":\"" + Base64.getEncoder().encodeToString(media) + "\"")
                .replace("}}}", "},\"pushName\":\"after the media\"}}");
        EvolutionWebhookParser smallLimit = new EvolutionWebhookParser(MAX_METADATA_BYTES, 10_000);

        EvolutionWebhookParser.ParsedWebhook parsed = smallLimit.parse(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), policy());

        assertTrue(parsed.inlineMedia().oversized());
        assertEquals(media.length, parsed.inlineMedia().sizeBytes());
        assertNull(parsed.inlineMedia().file());
        assertEquals("after the media", parsed.data().path("pushName").asText(), "metadata after the field is read");
        assertEquals(0, tempDir.toFile().list().length, "no byte of the file is kept");
    }

    @Test
    void duplicateMessageSkipsDecoding() throws Exception {
        String json = envelope("\"base64\":\"" + Base64.getEncoder().encodeToString(randomBytes(5000, 1)) + "\"");
        EvolutionWebhookParser.MediaPolicy duplicatePolicy = new TestPolicy(tempDir) {
            @Override
            public boolean isDuplicate(String instance, String messageId) {
                return true;
            }
        };

        EvolutionWebhookParser.ParsedWebhook parsed = parser.parse(
                new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), duplicatePolicy);

        assertNull(parsed.inlineMedia());
        assertTrue(parsed.mediaSkipped());
        assertEquals(0, tempDir.toFile().list().length);
    }

    @Test
    void stringBeyondMetadataLimitInBase64IsStillDecoded() throws Exception {
        byte[] media = randomBytes((int) MAX_METADATA_BYTES * 8, 5);
        String json = envelope("\"base64\":\"" + Base64.getEncoder().encodeToString(media) + "\"");

        EvolutionWebhookParser.ParsedWebhook parsed = parse(json.getBytes(StandardCharsets.UTF_8));

        assertEquals(media.length, parsed.inlineMedia().sizeBytes());
    }

    private static String envelope(String messageFields) {
        return "{\"event\":\"messages.upsert\",\"instance\":\"i\",\"data\":{\"key\":{\"id\":\"M1\","
                + "\"remoteJid\":\"5511900000001@s.whatsapp.net\"},\"message\":{" + messageFields + "}}}";
    }

    private EvolutionWebhookParser.ParsedWebhook parse(byte[] body) throws IOException {
        return parser.parse(new ByteArrayInputStream(body), policy());
    }

    private EvolutionWebhookParser.MediaPolicy policy() {
        return new TestPolicy(tempDir);
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = EvolutionWebhookParserTest.class.getResourceAsStream("/fixtures/evolution/" + name)) {
            assertNotNull(in, "fixture " + name);
            return in.readAllBytes();
        }
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static class TestPolicy implements EvolutionWebhookParser.MediaPolicy {
        private final Path dir;

        TestPolicy(Path dir) {
            this.dir = dir;
        }

        @Override
        public Path newMediaFile() throws IOException {
            return Files.createTempFile(dir, "media-", ".part");
        }

        @Override
        public boolean decodeInline() {
            return true;
        }

        @Override
        public boolean isHandledEvent(String event) {
            return true;
        }

        @Override
        public boolean isDuplicate(String instance, String messageId) {
            return false;
        }
    }
}
