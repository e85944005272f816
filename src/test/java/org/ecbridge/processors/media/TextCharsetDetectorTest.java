package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.ecbridge.processors.media.TextCharset.Kind;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCharsetDetectorTest {

    private static final Charset WINDOWS_1252 = TextCharsetSnifferTest.WINDOWS_1252;
    private static final int PREFIX_BYTES = 4096;

    @TempDir
    Path tempDir;

    private CamelContext camel;
    private StagingArea staging;
    private TextCharsetDetector detector;

    @BeforeEach
    void createDetector() {
        camel = new DefaultCamelContext();
        staging = new StagingArea(tempDir.resolve("staging"), new ObjectMapper());
        staging.open();
        TextCharsetSniffer sniffer = new TextCharsetSniffer(20, List.of(WINDOWS_1252), 10, 10, WINDOWS_1252);
        detector = new TextCharsetDetector(staging, sniffer, PREFIX_BYTES,
                List.of("text/*", "application/json", "application/x-subrip"), Set.of("csv", "srt", "txt"));
    }

    @AfterEach
    void closeCamel() throws Exception {
        camel.close();
    }

    @Test
    void textLikeByMimetypeOrExtension() {
        assertTrue(detector.isTextLike("text/csv; charset=utf-8", "clientes.csv"));
        assertTrue(detector.isTextLike("text/vtt", "legenda"));
        assertTrue(detector.isTextLike("application/json", "dados"));
        assertTrue(detector.isTextLike("application/octet-stream", "filme.SRT"));
        assertTrue(detector.isTextLike(null, "notas.txt"));
        assertFalse(detector.isTextLike("image/png", "foto.png"));
        assertFalse(detector.isTextLike("application/pdf", "texto.pdf"));
        assertFalse(detector.isTextLike("application/jsonl", "dados.bin"), "only the listed types");
    }

    @Test
    void asciiPrefixFollowedByWindows1252IsLegacy() throws IOException {
        String text = "id;nome\n".repeat(PREFIX_BYTES) + "1;João Conceição;“orçamento”\n";
        Exchange exchange = stagedText(text.getBytes(WINDOWS_1252), "text/csv", "clientes.csv");

        detector.detect(exchange);
        assertEquals("ascii", exchange.getProperty(TextCharsetDetector.KIND), "from the prefix alone");
        detector.verifyBeyondPrefix(exchange);

        TextCharset verified = exchange.getProperty(TextCharsetDetector.CHARSET, TextCharset.class);
        assertEquals("legacy", exchange.getProperty(TextCharsetDetector.KIND), verified.reason());
        assertEquals(WINDOWS_1252, verified.charset());
        assertTrue(verified.reason().startsWith("ASCII up to byte " + (8 * PREFIX_BYTES + "1;Jo".length()) + ", then "),
                verified.reason());
    }

    @Test
    void utf8PrefixFollowedByWindows1252MixesCharsets() throws IOException {
        byte[] utf8 = "nome;cidade\nJoão;São Paulo\n".repeat(400).getBytes(StandardCharsets.UTF_8);
        byte[] legacy = "Maria;Brasília\n".getBytes(WINDOWS_1252);
        Exchange exchange = stagedText(TextCharsetSnifferTest.concat(utf8, legacy), "text/csv", "clientes.csv");

        detector.detect(exchange);
        assertEquals("utf-8", exchange.getProperty(TextCharsetDetector.KIND), "from the prefix alone");
        detector.verifyBeyondPrefix(exchange);

        assertEquals("undetected", exchange.getProperty(TextCharsetDetector.KIND));
    }

    @Test
    void utf8ThroughoutStaysUtf8() throws IOException {
        byte[] utf8 = "nome;cidade\nJoão;São Paulo\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        Exchange exchange = stagedText(utf8, "text/csv", "clientes.csv");

        detector.detect(exchange);
        detector.verifyBeyondPrefix(exchange);

        assertEquals("utf-8", exchange.getProperty(TextCharsetDetector.KIND));
    }

    @Test
    void prefixIsTheWholeFileForSmallFiles() throws IOException {
        byte[] bytes = "preço €".getBytes(StandardCharsets.UTF_8);
        byte[] cutInsideEuro = Arrays.copyOf(bytes, bytes.length - 1);
        Exchange exchange = stagedText(cutInsideEuro, "text/plain", "nota.txt");

        detector.detect(exchange);

        TextCharset detected = exchange.getProperty(TextCharsetDetector.CHARSET, TextCharset.class);
        assertEquals(Kind.LEGACY, detected.kind(), "a file may not end inside a character: " + detected.reason());
    }

    @Test
    void firstInvalidUtf8OffsetAcrossBufferBoundaries() throws IOException {
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        byte[] valid = new byte[64 * 1024 + 1];
        Arrays.fill(valid, (byte) 'a');
        Path file = tempDir.resolve("text.txt");
        Files.write(file, TextCharsetSnifferTest.concat(TextCharsetSnifferTest.concat(valid, euro), euro));
        Path invalid = tempDir.resolve("invalid.txt");
        Files.write(invalid, TextCharsetSnifferTest.concat(valid, new byte[] {(byte) 0xE2, (byte) 0x82, 'x'}));

        assertEquals(-1, TextCharsetDetector.firstInvalidUtf8Offset(file, 0));
        assertEquals(valid.length, TextCharsetDetector.firstInvalidUtf8Offset(invalid, 0));
    }

    private Exchange stagedText(byte[] bytes, String mimetype, String fileName) throws IOException {
        StagedMessage message = new StagedMessage();
        message.itemId = "item-1";
        message.messageId = "3EB0TEXT";
        message.media = new StagedMessage.Media();
        message.media.kind = "document";
        message.media.mimetype = mimetype;
        message.media.fileName = fileName;
        message.media.file = "item-1.media";
        Files.write(staging.mediaFile(message.media.file), bytes);
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(BridgeHeaders.MESSAGE, message);
        return exchange;
    }
}
