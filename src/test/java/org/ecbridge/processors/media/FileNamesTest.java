package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class FileNamesTest {

    @Test
    void accentsAreKept() {
        assertEquals("Orçamento março.pdf", FileNames.sanitize("Orçamento março.pdf"));
        assertEquals("Ñandú café.docx", FileNames.sanitize("Ñandú café.docx"));
    }

    @Test
    void decomposedAccentsAreComposed() {
        String decomposed = "Orc\u0327amento.pdf";

        String sanitized = FileNames.sanitize(decomposed);

        assertEquals("Or\u00e7amento.pdf", sanitized);
        assertEquals(13, sanitized.length(), "one character for ç");
    }

    @Test
    void utf8ReadAsLatin1IsRepaired() {
        assertEquals("Orçamento.pdf", FileNames.sanitize("OrÃ§amento.pdf"));
    }

    @Test
    void utf8ReadAsWindows1252IsRepaired() {
        String mojibake = new String("relatório – final.pdf".getBytes(StandardCharsets.UTF_8),
                java.nio.charset.Charset.forName("windows-1252"));

        assertEquals("relatório – final.pdf", FileNames.sanitize(mojibake));
    }

    @Test
    void latin1TextThatIsNotMojibakeIsKept() {
        assertEquals("Ã la carte.txt", FileNames.sanitize("Ã la carte.txt"));
    }

    @Test
    void arabicIsKept() {
        assertEquals("فاتورة رقم ١٢.pdf", FileNames.sanitize("فاتورة رقم ١٢.pdf"));
    }

    @Test
    void percentSignsAreKeptLiterally() {
        assertEquals("desconto 10%.pdf", FileNames.sanitize("desconto 10%.pdf"));
        assertEquals("100%25 off.pdf", FileNames.sanitize("100%25 off.pdf"), "no percent-decoding");
    }

    @Test
    void bidiControlsAreRemoved() {
        assertEquals("invoicefdp.exe", FileNames.sanitize("invoice\u202Efdp.exe"), "RIGHT-TO-LEFT OVERRIDE");
        assertEquals("ab.pdf", FileNames.sanitize("a\u2067b\u2069.pdf"), "RIGHT-TO-LEFT ISOLATE");
        assertEquals("ab.pdf", FileNames.sanitize("a\u200Fb\u200E.pdf"), "RLM and LRM");
        assertEquals("ab.pdf", FileNames.sanitize("a\u061Cb.pdf"), "ARABIC LETTER MARK");
    }

    @Test
    void joinersInWordsAreKept() {
        String persian = "می\u200Cخواهم.txt";

        assertEquals(persian, FileNames.sanitize(persian), "ZERO WIDTH NON-JOINER is part of Persian spelling");
    }

    @Test
    void foldersAreStripped() {
        assertEquals("passwd", FileNames.sanitize("../../etc/passwd"));
        assertEquals("doc.pdf", FileNames.sanitize("C:\\Users\\cliente\\doc.pdf"));
        assertEquals("", FileNames.sanitize("pasta/"));
    }

    @Test
    void controlCharactersAreRemovedAndLineBreaksBecomeSpaces() {
        assertEquals("ab.pdf", FileNames.sanitize("a\u0000b\u0007.pdf"));
        assertEquals("linha 1 linha 2.pdf", FileNames.sanitize("linha 1\nlinha 2.pdf"));
        assertEquals("a b.pdf", FileNames.sanitize("a\u2028b.pdf"));
    }

    @Test
    void loneSurrogatesAreRemoved() {
        assertEquals("ab.txt", FileNames.sanitize("a\uD800b.txt"));
    }

    @Test
    void namesThatAreOnlyDotsBecomeEmpty() {
        for (String dots : new String[] {".", "..", "...", ". .", " . . ", ".\u00A0."}) {
            assertEquals("", FileNames.sanitize(dots), "'" + dots + "'");
        }
    }

    @Test
    void leadingAndTrailingDotsAreStripped() {
        assertEquals("env", FileNames.sanitize(".env"));
        assertEquals("relatório.pdf", FileNames.sanitize(" ..relatório.pdf. "));
    }

    @Test
    void mediaWithoutUsableNameIsNamedAfterItsId() {
        assertEquals("3EB0C7A1.pdf", FileNames.forMedia("..", "3EB0C7A1", "document", "application/pdf"));
        assertEquals("3EB0C7A1.ogg", FileNames.forMedia(null, "3EB0C7A1", "audio", "audio/ogg; codecs=opus"));
        assertEquals("3EB0C7A1.bin", FileNames.forMedia("/", "3EB0C7A1", "document", "false"));
    }

    @Test
    void longNameWithTwoByteCharactersKeepsExtension() {
        String name = "ç".repeat(200) + ".pdf";

        String sanitized = FileNames.sanitize(name);

        assertTrue(utf8Length(sanitized) <= FileNames.MAX_NAME_BYTES, utf8Length(sanitized) + " bytes");
        assertEquals("ç".repeat(125) + ".pdf", sanitized);
    }

    @Test
    void longArabicNameKeepsExtension() {
        String name = "تقرير المبيعات ".repeat(30) + ".xlsx";

        String sanitized = FileNames.sanitize(name);

        assertTrue(utf8Length(sanitized) <= FileNames.MAX_NAME_BYTES, utf8Length(sanitized) + " bytes");
        assertTrue(sanitized.endsWith(".xlsx"), sanitized);
        assertFalse(sanitized.contains(" .xlsx"), "no space left before the extension: " + sanitized);
        assertTrue(name.startsWith(sanitized.substring(0, sanitized.length() - 5)), sanitized);
    }

    @Test
    void longNameIsNotCutInsideAnEmojiOrAccent() {
        String thumbsUp = "\uD83D\uDC4D\uD83C\uDFFD";
        String decomposedE = "\u00e9\u0301";

        // 5 + 61 * 4 bytes fill the 251 bytes before ".png" up to the middle of the 31st emoji.
        String emojis = FileNames.sanitize("abcde" + thumbsUp.repeat(100) + ".png");
        String accents = FileNames.sanitize("x" + decomposedE.repeat(100) + ".txt");

        assertTrue(utf8Length(emojis) <= FileNames.MAX_NAME_BYTES, utf8Length(emojis) + " bytes");
        assertEquals("abcde" + thumbsUp.repeat(30) + ".png", emojis, "whole emoji with its skin tone modifier");
        assertTrue(utf8Length(accents) <= FileNames.MAX_NAME_BYTES, utf8Length(accents) + " bytes");
        assertTrue(accents.endsWith(decomposedE + ".txt"), "the combining accent stays with its letter");
    }

    @Test
    void longNameWithoutExtensionIsCut() {
        String sanitized = FileNames.sanitize("a".repeat(300));

        assertEquals("a".repeat(255), sanitized);
    }

    @Test
    void extensionIsLowerCasedLettersAndDigitsAfterTheLastDot() {
        assertEquals("pdf", FileNames.extension("Relatório.PDF"));
        assertEquals("gz", FileNames.extension("backup.tar.gz"));
        assertEquals("", FileNames.extension("README"));
        assertEquals("", FileNames.extension("versão 1. final"));
        assertEquals("Relatório", FileNames.stem("Relatório.PDF"));
        assertEquals("versão 1. final", FileNames.stem("versão 1. final"));
    }

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
