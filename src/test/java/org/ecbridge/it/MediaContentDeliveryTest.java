package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.processors.webhook.WhatsAppFields;
import org.ecbridge.testsupport.ChatwootAttachment;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.Sha256;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivers documents through the real routes to a Chatwoot stand-in and checks what the media-type and
 * text-charset routes made of them: the real type of a PSD whose mimetype is {@code false}, a windows-1252 CSV
 * transcoded to UTF-8, and file names with accents, Arabic and {@code %}.
 */
class MediaContentDeliveryTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    private static final String CSV = "nome;cidade;observação\r\nJoão da Silva;São Paulo;pagamento à vista\r\n"
            + "Maria Conceição;Brasília;cliente “urgente” – 12,50 €\r\n";

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;

    @AfterEach
    void stopServers() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        chatwoot.close();
    }

    @Test
    void windows1252CsvArrivesAsUtf8() throws Exception {
        start(Map.of());

        post(document("3EB0CSV0000000000001", "text/csv", "relatório março.csv", CSV.getBytes(WINDOWS_1252)));
        ChatwootAttachment file = onlyAttachment(chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0));

        byte[] expected = CSV.getBytes(StandardCharsets.UTF_8);
        assertEquals(CSV, Files.readString(file.path(), StandardCharsets.UTF_8), "text decoded as UTF-8");
        assertEquals(Sha256.ofBytes(expected), file.sha256());
        assertEquals(expected.length, file.sizeBytes());
        assertEquals("relatório março.csv", file.fileName(), "from filename*");
        assertEquals("text/csv", file.contentType());
        assertEquals(0, countFiles(bridge.dataDir().resolve("staging/tmp")), "no transcoded file left behind");
    }

    @Test
    void windows1252AfterAnAsciiPrefixIsTranscoded() throws Exception {
        start(Map.of());
        String text = "id;valor\r\n".repeat(10_000) + CSV;
        assertTrue(text.indexOf('ã') > 64 * 1024, "the first non-ASCII character lies beyond the detection prefix");

        post(document("3EB0CSV0000000000003", "text/csv", "extrato.csv", text.getBytes(WINDOWS_1252)));
        ChatwootAttachment file = onlyAttachment(chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0));

        assertEquals(Sha256.ofBytes(text.getBytes(StandardCharsets.UTF_8)), file.sha256());
    }

    @Test
    void windows1252CsvKeepsItsBytesWhenLabelled() throws Exception {
        start(Map.of("bridge.media.legacy-text", "label"));
        byte[] legacy = CSV.getBytes(WINDOWS_1252);

        post(document("3EB0CSV0000000000002", "text/csv", "clientes.csv", legacy));
        ChatwootAttachment file = onlyAttachment(chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0));

        assertArrayEquals(legacy, Files.readAllBytes(file.path()));
        assertEquals(CSV, Files.readString(file.path(), WINDOWS_1252));
    }

    @Test
    void psdWithMimetypeFalseArrivesAsPhotoshop() throws Exception {
        start(Map.of());
        ObjectNode webhook = fixture();
        JsonNode psd = webhook.path("data").path("message").path("documentMessage");
        String declaredSha256 = HexFormat.of().formatHex(WhatsAppFields.bytes(psd.get("fileSha256")).orElseThrow());
        ((ObjectNode) psd).put("mimetype", "false").put("fileName", "arte_final").put("title", "arte_final");

        post(webhook);
        ChatwootAttachment file = onlyAttachment(chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0));

        assertEquals("image/vnd.adobe.photoshop", file.contentType());
        assertEquals("file", file.fileType(), "Chatwoot files a PSD as a document, not an image");
        assertEquals("arte_final.psd", file.fileName());
        assertEquals(declaredSha256, file.sha256(), "the bytes are untouched");
    }

    @Test
    void pngNamedCsvStaysBinary() throws Exception {
        start(Map.of());
        byte[] png = Base64.getDecoder().decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mP4z8AA"
                + "AAMBAQAY3Y2wAAAAAElFTkSuQmCC");

        post(document("3EB0PNG0000000000001", "text/csv", "planilha.csv", png));
        ChatwootAttachment file = onlyAttachment(chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0));

        assertEquals(Sha256.ofBytes(png), file.sha256());
        assertEquals("image/png", file.contentType());
        assertEquals("planilha.png", file.fileName());
    }

    @Test
    void arabicAndPercentFileNamesSurvive() throws Exception {
        start(Map.of());
        byte[] utf8 = "ملاحظة: خصم 10%\n".getBytes(StandardCharsets.UTF_8);

        post(document("3EB0NAME000000000001", "text/plain", "فاتورة desconto 10%.txt", utf8));
        ChatwootAttachment file = onlyAttachment(chatwoot.awaitMessages(1, DELIVERY_TIMEOUT).get(0));

        assertEquals("فاتورة desconto 10%.txt", file.fileName());
        assertEquals(Sha256.ofBytes(utf8), file.sha256(), "UTF-8 text is not transcoded");
    }

    private void start(Map<String, String> overrides) throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.putAll(overrides);
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    private void post(JsonNode webhook) throws IOException, InterruptedException {
        HttpResponse<String> response = webhooks.post(MAPPER.writeValueAsString(webhook));
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("accepted", MAPPER.readTree(response.body()).path("status").asText(), response.body());
    }

    /** Returns the document fixture with another message id, mimetype, file name and file. */
    private static ObjectNode document(String messageId, String mimetype, String fileName, byte[] bytes)
            throws IOException {
        ObjectNode webhook = fixture();
        ObjectNode data = (ObjectNode) webhook.path("data");
        ((ObjectNode) data.path("key")).put("id", messageId);
        ObjectNode message = (ObjectNode) data.path("message");
        message.put("base64", Base64.getEncoder().encodeToString(bytes));
        ObjectNode document = (ObjectNode) message.path("documentMessage");
        document.put("mimetype", mimetype).put("fileName", fileName).put("title", fileName)
                .put("fileLength", bytes.length).remove("caption");
        document.remove("fileSha256");
        return webhook;
    }

    private static ObjectNode fixture() throws IOException {
        return (ObjectNode) MAPPER.readTree(WebhookToChatwootTest.fixture("messages-upsert-document-base64.json"));
    }

    private static ChatwootAttachment onlyAttachment(ChatwootMessage message) {
        assertEquals(1, message.attachments().size(), "attachments of " + message.sourceId());
        return message.attachments().get(0);
    }

    private static long countFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }
}
