package org.ecbridge.processors.chatwoot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.apache.hc.client5.http.entity.mime.ByteArrayBody;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttachmentPartTest {

    @TempDir
    Path tempDir;

    @Test
    void accentedNameHasFallbackAndExtendedValue() {
        assertEquals("form-data; name=\"attachments[]\"; filename=\"Orcamento marco.pdf\"; "
                        + "filename*=UTF-8''Or%C3%A7amento%20mar%C3%A7o.pdf",
                AttachmentPart.contentDisposition("attachments[]", "Orçamento março.pdf"));
    }

    @Test
    void arabicNameFallsBackToUnderscores() {
        String header = AttachmentPart.contentDisposition("attachments[]", "فاتورة رقم 12.pdf");

        assertEquals("form-data; name=\"attachments[]\"; filename=\"_ _ 12.pdf\"; filename*=UTF-8''"
                + "%D9%81%D8%A7%D8%AA%D9%88%D8%B1%D8%A9%20%D8%B1%D9%82%D9%85%2012.pdf", header);
    }

    @Test
    void percentSignEncodedNotInFallback() {
        assertEquals("form-data; name=\"attachments[]\"; filename=\"desconto 10_.pdf\"; "
                        + "filename*=UTF-8''desconto%2010%25.pdf",
                AttachmentPart.contentDisposition("attachments[]", "desconto 10%.pdf"));
    }

    @Test
    void quotesAndBackslashesLeaveTheFallback() {
        assertEquals("a_b_c.txt", AttachmentPart.asciiFallback("a\"b\\c.txt"));
        assertEquals("a%22b%5Cc.txt", AttachmentPart.encodeExtendedValue("a\"b\\c.txt"));
    }

    @Test
    void extendedValueDecodesToTheExactName() {
        for (String name : new String[] {"Orçamento março.pdf", "فاتورة.pdf", "desconto 10%.pdf", "a+b=c;d.csv",
                "\uD83D\uDC4D foto.jpg", "tab'quote'.txt"}) {
            String encoded = AttachmentPart.encodeExtendedValue(name);

            assertTrue(encoded.chars().allMatch(c -> c > 0x20 && c < 0x7F), encoded);
            assertTrue(encoded.chars().noneMatch(c -> "\"'();,/:<=>?@[\\]{} ".indexOf(c) >= 0), encoded);
            assertEquals(name, URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
    }

    @Test
    void multipartCarriesTheHeaderAndTheFileBytes() throws IOException {
        Path file = Files.write(tempDir.resolve("staged.media"), "a;b\n1;2\n".getBytes(StandardCharsets.UTF_8));
        ContentType csv = ContentType.parseLenient("text/csv; charset=utf-8");

        String body = write(MultipartEntityBuilder.create()
                .setMode(HttpMultipartMode.EXTENDED)
                .setCharset(StandardCharsets.UTF_8)
                .setBoundary("b0undary")
                .addPart(AttachmentPart.file("attachments[]", file, csv, "relatório.csv")));

        assertTrue(body.contains("\r\nContent-Disposition: form-data; name=\"attachments[]\"; "
                + "filename=\"relatorio.csv\"; filename*=UTF-8''relat%C3%B3rio.csv\r\n"), body);
        assertTrue(body.contains("\r\nContent-Type: text/csv; charset=utf-8\r\n"), body);
        assertTrue(body.contains("\r\n\r\na;b\n1;2\n\r\n--b0undary--"), body);
        assertEquals(1, Arrays.stream(body.split("\r\n")).filter(line -> line.startsWith("Content-Disposition"))
                .count(), body);
    }

    /** HttpClient's own multipart, the reason this class exists; a change here means it can be revisited. */
    @Test
    void httpClientExtendedModePercentEncodesThePlainFilename() throws IOException {
        String accented = write(MultipartEntityBuilder.create().setMode(HttpMultipartMode.EXTENDED)
                .setCharset(StandardCharsets.UTF_8).setBoundary("b0undary")
                .addPart("attachments[]", new ByteArrayBody(new byte[] {1}, ContentType.DEFAULT_BINARY,
                        "orçamento.pdf")));
        String arabic = write(MultipartEntityBuilder.create().setMode(HttpMultipartMode.EXTENDED)
                .setCharset(StandardCharsets.UTF_8).setBoundary("b0undary")
                .addPart("attachments[]", new ByteArrayBody(new byte[] {1}, ContentType.DEFAULT_BINARY,
                        "فا.pdf")));

        assertTrue(accented.contains("filename=\"or%C3%A7amento.pdf\"\r\n"), accented);
        assertTrue(arabic.contains("filename*=\"UTF-8''UTF-8%27%27%25D9%2581%25D8%25A7.pdf\""), arabic);
    }

    private static String write(MultipartEntityBuilder builder) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        builder.build().writeTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
