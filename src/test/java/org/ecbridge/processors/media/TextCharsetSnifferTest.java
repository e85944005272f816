package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.ecbridge.processors.media.TextCharset.Kind;
import org.junit.jupiter.api.Test;

class TextCharsetSnifferTest {

    static final Charset WINDOWS_1252 = Charset.forName("windows-1252");
    static final String CSV = "nome;cidade;observação\nJoão da Silva;São Paulo;pagamento à vista\n"
            + "Maria Conceição;Brasília;endereço não informado\n";
    static final String CSV_WITH_QUOTES = "nome;cidade;observação\nJoão da Silva;São Paulo;pagamento à vista\n"
            + "Maria Conceição;Brasília;cliente “urgente” – ligar\n";
    static final String PRICES = "Produto;Preço\nCafé;2,50 €\nPão de queijo;3,00 €\nÉclair;4,20 €\n";

    private final TextCharsetSniffer sniffer = new TextCharsetSniffer(20, List.of(WINDOWS_1252), 10, 10, null);

    @Test
    void windows1252CsvWithTypographicQuotes() {
        TextCharset detected = sniffer.detect(CSV_WITH_QUOTES.getBytes(WINDOWS_1252), true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(WINDOWS_1252, detected.charset());
        assertEquals(0, detected.bomBytes());
    }

    @Test
    void windows1252CsvWithAccentsOnly() {
        TextCharset detected = sniffer.detect(CSV.getBytes(WINDOWS_1252), true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(WINDOWS_1252, detected.charset(), "ICU4J's ISO-8859-1 is decoded as windows-1252");
        assertTrue(detected.confidence() >= 20, detected.reason());
    }

    @Test
    void iso885915WithEuroSign() {
        byte[] bytes = PRICES.getBytes(TextCharsetSniffer.ISO_8859_15);

        TextCharset detected = sniffer.detect(bytes, true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(TextCharsetSniffer.ISO_8859_15, detected.charset());
        assertEquals(PRICES, new String(bytes, detected.charset()));
    }

    @Test
    void windows1252WithEuroSign() {
        TextCharset detected = sniffer.detect(PRICES.getBytes(WINDOWS_1252), true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(WINDOWS_1252, detected.charset());
    }

    @Test
    void utf16LittleEndianWithBom() {
        byte[] bytes = concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, CSV.getBytes(StandardCharsets.UTF_16LE));

        TextCharset detected = sniffer.detect(bytes, true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(StandardCharsets.UTF_16LE, detected.charset());
        assertEquals(2, detected.bomBytes());
    }

    @Test
    void utf16LittleEndianWithoutBom() {
        TextCharset detected = sniffer.detect(CSV.getBytes(StandardCharsets.UTF_16LE), true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(StandardCharsets.UTF_16LE, detected.charset());
        assertEquals(0, detected.bomBytes());
    }

    @Test
    void utf16BigEndianWithoutBomCutInsideACharacter() {
        byte[] bytes = CSV.getBytes(StandardCharsets.UTF_16BE);
        byte[] prefix = Arrays.copyOf(bytes, bytes.length - 1);

        TextCharset detected = sniffer.detect(prefix, false, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(StandardCharsets.UTF_16BE, detected.charset());
    }

    @Test
    void utf32WithBom() {
        byte[] bytes = concat(new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF}, CSV.getBytes(Charset.forName("UTF-32BE")));

        TextCharset detected = sniffer.detect(bytes, true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(Charset.forName("UTF-32BE"), detected.charset());
        assertEquals(4, detected.bomBytes());
    }

    @Test
    void utf8WithBom() {
        byte[] bytes = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, CSV.getBytes(StandardCharsets.UTF_8));

        TextCharset detected = sniffer.detect(bytes, true, false);

        assertEquals(Kind.UTF_8, detected.kind(), detected.reason());
        assertEquals(3, detected.bomBytes());
    }

    @Test
    void utf8WithoutBom() {
        TextCharset detected = sniffer.detect(CSV.getBytes(StandardCharsets.UTF_8), true, false);

        assertEquals(Kind.UTF_8, detected.kind(), detected.reason());
        assertEquals(0, detected.bomBytes());
    }

    @Test
    void utf8PrefixCutInsideACharacterIsStillUtf8() {
        byte[] bytes = "preço €".getBytes(StandardCharsets.UTF_8);
        byte[] cutInsideEuro = Arrays.copyOf(bytes, bytes.length - 1);

        TextCharset prefix = sniffer.detect(cutInsideEuro, false, false);
        TextCharset wholeFile = sniffer.detect(cutInsideEuro, true, false);

        assertEquals(Kind.UTF_8, prefix.kind(), prefix.reason());
        assertTrue(wholeFile.kind() != Kind.UTF_8, "a whole file may not end inside a character: " + wholeFile);
    }

    @Test
    void pureAscii() {
        TextCharset detected = sniffer.detect("id,valor\n1,10.50\n2,3.20\n".getBytes(StandardCharsets.US_ASCII),
                true, false);

        assertEquals(Kind.ASCII, detected.kind(), detected.reason());
    }

    @Test
    void emptyFileIsAscii() {
        assertEquals(Kind.ASCII, sniffer.detect(new byte[0], true, false).kind());
    }

    @Test
    void pngNamedCsvStaysBinary() {
        TextCharset detected = sniffer.detect(MediaTypeDetectorTest.png(), true, false);

        assertEquals(Kind.BINARY, detected.kind(), detected.reason());
        assertNull(detected.charset());
    }

    @Test
    void zipNamedCsvStaysBinary() throws Exception {
        TextCharset detected = sniffer.detect(MediaTypeDetectorTest.zip("dados.csv"), true, false);

        assertEquals(Kind.BINARY, detected.kind(), detected.reason());
    }

    @Test
    void psdAndRandomBytesStayBinary() throws Exception {
        byte[] random = new byte[64 * 1024];
        new Random(3).nextBytes(random);

        assertEquals(Kind.BINARY, sniffer.detect(MediaTypeDetectorTest.psdFixture(), true, false).kind());
        assertEquals(Kind.BINARY, sniffer.detect(random, false, false).kind());
    }

    @Test
    void byteOrderMarkFollowedByBinaryIsBinary() {
        byte[] bytes = {(byte) 0xFF, (byte) 0xFE, 0x00, (byte) 0xD8, 0x41, 0x00};

        TextCharset detected = sniffer.detect(bytes, true, false);

        assertEquals(Kind.BINARY, detected.kind(), "a lone surrogate after the BOM: " + detected.reason());
    }

    @Test
    void xmlDeclaringItsLegacyCharsetIsSelfDeclared() {
        String xml = "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<clientes><nome>João Conceição</nome>"
                + "<cidade>São Paulo</cidade></clientes>\n";

        TextCharset declared = sniffer.detect(xml.getBytes(WINDOWS_1252), true, true);
        TextCharset notMarkup = sniffer.detect(xml.getBytes(WINDOWS_1252), true, false);

        assertEquals(Kind.SELF_DECLARED, declared.kind(), declared.reason());
        assertEquals(WINDOWS_1252, declared.charset());
        assertEquals(Kind.LEGACY, notMarkup.kind(), notMarkup.reason());
    }

    @Test
    void xmlFalselyDeclaringUtf8IsLegacy() {
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientes><nome>João Conceição</nome>"
                + "<cidade>São Paulo</cidade></clientes>\n";

        TextCharset detected = sniffer.detect(xml.getBytes(WINDOWS_1252), true, true);

        assertEquals(Kind.LEGACY, detected.kind(), "transcoding makes the declaration true: " + detected.reason());
    }

    @Test
    void cyrillicWindows1251IsNamedByTheDetector() {
        String russian = "Здравствуйте! Пришлите, пожалуйста, счёт за услуги за этот месяц. Спасибо.\n";

        TextCharset detected = sniffer.detect(russian.getBytes(Charset.forName("windows-1251")), true, false);

        assertEquals(Kind.LEGACY, detected.kind(), detected.reason());
        assertEquals(Charset.forName("windows-1251"), detected.charset());
    }

    @Test
    void shortFrenchTextPrefersWindows1252OverATie() {
        byte[] french = "Élève;Château;déjà vu, très bien, garçon\n".getBytes(WINDOWS_1252);
        TextCharsetSniffer noPreference = new TextCharsetSniffer(20, List.of(), 10, 10, null);

        TextCharset preferred = sniffer.detect(french, true, false);
        TextCharset unpreferred = noPreference.detect(french, true, false);

        assertEquals(WINDOWS_1252, preferred.charset(), preferred.reason());
        assertEquals(Charset.forName("ISO-8859-9"), unpreferred.charset(), "ICU4J 79.1 ranks ISO-8859-9 first "
                + "at the same confidence: " + unpreferred.reason());
    }

    @Test
    void lowConfidenceIsUndetectedUnlessAFallbackIsSet() {
        byte[] bytes = "x\u00e9".getBytes(WINDOWS_1252);
        TextCharsetSniffer strict = new TextCharsetSniffer(90, List.of(), 10, 10, null);
        TextCharsetSniffer withFallback = new TextCharsetSniffer(90, List.of(), 10, 10, WINDOWS_1252);

        TextCharset undetected = strict.detect(bytes, true, false);
        TextCharset fallback = withFallback.detect(bytes, true, false);

        assertEquals(Kind.UNDETECTED, undetected.kind(), undetected.reason());
        assertEquals(Kind.LEGACY, fallback.kind(), fallback.reason());
        assertEquals(WINDOWS_1252, fallback.charset());
        assertEquals(0, fallback.confidence());
    }

    @Test
    void undefinedWindows1252BytesRuleItOut() {
        byte[] bytes = concat(CSV.getBytes(WINDOWS_1252), new byte[] {(byte) 0x81});

        TextCharset detected = sniffer.detect(bytes, true, false);

        assertTrue(!WINDOWS_1252.equals(detected.charset()), "0x81 is undefined in windows-1252: " + detected);
    }

    @Test
    void controlBytesMakeAFileBinary() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < 100; i++) {
            bytes.writeBytes("linha de texto\u0002\u0003\n".getBytes(StandardCharsets.US_ASCII));
        }

        TextCharset detected = sniffer.detect(bytes.toByteArray(), true, false);

        assertEquals(Kind.BINARY, detected.kind(), detected.reason());
    }

    static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
