package org.ecbridge.processors.reply;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class WhatsAppFormatterTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "**negrito**|*negrito*",
            "__negrito__|*negrito*",
            "*itálico*|_itálico_",
            "_itálico_|_itálico_",
            "~~riscado~~|~riscado~",
            "**a** e *b* e ~~c~~|*a* e _b_ e ~c~",
            "`**código**` fora **negrito**|`**código**` fora *negrito*",
            "2 * 3 * 4|2 * 3 * 4",
            "snake_case_name|snake_case_name",
            "**negrito com *itálico* dentro**|*negrito com _itálico_ dentro*"})
    void markdownBecomesWhatsAppFormatting(String markdown, String whatsApp) {
        assertEquals(whatsApp, WhatsAppFormatter.convert(markdown));
    }

    @Test
    void fencedCodeIsKept() {
        String markdown = "Veja:\n```\n**não** *mexa*\n```\n**fim**";

        assertEquals("Veja:\n```\n**não** *mexa*\n```\n*fim*", WhatsAppFormatter.convert(markdown));
    }

    @Test
    void signatureNamesTheAgent() {
        WhatsAppFormatter formatter = new WhatsAppFormatter(true, "\n");

        assertEquals("*Agente Exemplo:*\nOlá", formatter.format("Olá", " Agente Exemplo "));
        assertEquals("Olá", formatter.format("Olá", null), "no name, no signature");
        assertEquals("Olá", new WhatsAppFormatter(false, "\n").format("Olá", "Agente"));
    }
}
