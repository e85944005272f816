package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaTypeDetectorTest {

    private static final String PSD = "image/vnd.adobe.photoshop";

    @TempDir
    Path tempDir;

    private final MediaTypeDetector detector = new MediaTypeDetector(null, 64 * 1024);

    @Test
    void psdDeclaredFalseIsDetected() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(psdFixture(), "false", "arte_final.psd");

        assertEquals(PSD, detection.mimetype());
        assertEquals("arte_final.psd", detection.fileName());
    }

    @Test
    void evolutionFalseExtensionIsReplaced() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(psdFixture(), "false", "3EB0C7A1F2D3.false");

        assertEquals(PSD, detection.mimetype());
        assertEquals("3EB0C7A1F2D3.psd", detection.fileName());
    }

    @Test
    void psdDeclaredJpegIsCorrected() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(psdFixture(), "image/jpeg", "arte.jpg");

        assertEquals(PSD, detection.mimetype());
        assertEquals("arte.psd", detection.fileName(), "the stem stays, the extension follows the type");
    }

    @Test
    void missingMimetypeAndExtensionComeFromTheBytes() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(png(), null, "captura de tela");

        assertEquals("image/png", detection.mimetype());
        assertEquals("captura de tela.png", detection.fileName());
    }

    @Test
    void octetStreamIsReplacedByTheDetectedType() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(pdf(), "application/octet-stream", "contrato.pdf");

        assertEquals("application/pdf", detection.mimetype());
        assertEquals("contrato.pdf", detection.fileName());
    }

    @Test
    void opusVoiceNoteKeepsDeclaredType() throws Exception {
        byte[] ogg = ("OggS\0\2\0\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\0\0\0\0\1\23OpusHead\1\1")
                .getBytes(StandardCharsets.ISO_8859_1);

        MediaTypeDetector.Detection detection = detector.detect(ogg, "audio/ogg; codecs=opus", "3EB0C7A1.ogg");

        assertEquals("audio/ogg; codecs=opus", detection.mimetype());
        assertEquals("3EB0C7A1.ogg", detection.fileName());
    }

    @Test
    void declaredTypeKeptWithoutMagic() throws Exception {
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random);
        byte[] csv = "nome;cidade\nJoão;São Paulo\n".getBytes(Charset.forName("windows-1252"));

        assertEquals(new MediaTypeDetector.Detection("application/pdf", "orcamento.pdf"),
                detector.detect(random, "application/pdf", "orcamento.pdf"));
        assertEquals(new MediaTypeDetector.Detection("text/csv", "clientes.csv"),
                detector.detect(csv, "text/csv", "clientes.csv"));
    }

    @Test
    void zipNamedCsvBecomesZip() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(zip("a.txt"), "text/csv", "dados.csv");

        assertEquals("application/zip", detection.mimetype());
        assertEquals("dados.zip", detection.fileName());
    }

    @Test
    void pngNamedCsvBecomesPng() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(png(), "text/csv", "dados.csv");

        assertEquals("image/png", detection.mimetype());
        assertEquals("dados.png", detection.fileName());
    }

    @Test
    void docxWithoutMimetypeTypedByName() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(zip("[Content_Types].xml"), "false", "proposta.docx");

        assertEquals("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                detection.mimetype());
        assertEquals("proposta.docx", detection.fileName());
    }

    @Test
    void unknownExtensionGetsRealOneAppended() throws Exception {
        MediaTypeDetector.Detection detection = detector.detect(pdf(), "application/pdf", "relatorio.v2");

        assertEquals("relatorio.v2.pdf", detection.fileName());
    }

    @Test
    void upperCaseRightExtensionKept() throws Exception {
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};

        MediaTypeDetector.Detection detection = detector.detect(jpeg, "image/jpeg", "FOTO.JPG");

        assertEquals(new MediaTypeDetector.Detection("image/jpeg", "FOTO.JPG"), detection);
    }

    @Test
    void unknownBytesWithoutTypeStayUnnamed() throws Exception {
        byte[] random = new byte[4096];
        new Random(8).nextBytes(random);

        MediaTypeDetector.Detection detection = detector.detect(random, null, "arquivo");

        assertEquals(new MediaTypeDetector.Detection("application/octet-stream", "arquivo"), detection);
    }

    @Test
    void renamedFileStaysWithinTheNameLimit() throws Exception {
        String longName = "ç".repeat(127);

        MediaTypeDetector.Detection detection = detector.detect(png(), "image/png", longName);

        assertEquals("ç".repeat(125) + ".png", detection.fileName());
    }

    @Test
    void onlyTheConfiguredPrefixIsRead() throws Exception {
        Path file = tempDir.resolve("large.media");
        try (var out = Files.newOutputStream(file)) {
            out.write(png());
            out.write(new byte[1 << 20]);
        }

        byte[] prefix = MediaTypeDetector.readPrefix(file, 64 * 1024);

        assertEquals(64 * 1024, prefix.length);
    }

    @Test
    void prefixOfZeroBytesIsRejected() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new MediaTypeDetector(null, 0));

        assertEquals("bridge.media.detect-prefix-bytes must be at least 1, got 0; the default is 65536",
                error.getMessage());
    }

    static byte[] psdFixture() throws IOException {
        try (InputStream in = MediaTypeDetectorTest.class.getResourceAsStream(
                "/fixtures/evolution/messages-upsert-document-base64.json")) {
            String base64 = new ObjectMapper().readTree(in).path("data").path("message").path("base64").asText();
            return Base64.getDecoder().decode(base64);
        }
    }

    static byte[] png() {
        return new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1,
            0, 0, 0, 1, 8, 2, 0, 0, 0, (byte) 0x90, 0x77, 0x53, (byte) 0xDE};
    }

    static byte[] zip(String entryName) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(entryName));
            zip.write("nome;cidade\n".repeat(50).getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static byte[] pdf() {
        return "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".getBytes(StandardCharsets.US_ASCII);
    }
}
