package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextCharsetLabelerTest {

    @Test
    void charsetIsAddedToTheMimetype() {
        assertEquals("text/csv; charset=windows-1252", TextCharsetLabeler.withCharset("text/csv", "windows-1252"));
    }

    @Test
    void existingCharsetIsReplacedAndOtherParametersKept() {
        assertEquals("text/plain; charset=utf-8; format=flowed",
                TextCharsetLabeler.withCharset("text/plain; format=flowed; charset=ISO-8859-1", "utf-8"));
    }

    @Test
    void missingOrInvalidMimetypeBecomesTextPlain() {
        assertEquals("text/plain; charset=utf-8", TextCharsetLabeler.withCharset(null, "utf-8"));
        assertEquals("text/plain; charset=utf-8", TextCharsetLabeler.withCharset("false", "utf-8"));
    }
}
