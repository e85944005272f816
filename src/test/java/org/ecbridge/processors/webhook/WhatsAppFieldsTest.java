package org.ecbridge.processors.webhook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class WhatsAppFieldsTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void fileLengthInEveryEncoding() throws Exception {
        assertEquals(Optional.of(340L), WhatsAppFields.longValue(mapper.readTree("340")));
        assertEquals(Optional.of(48213L), WhatsAppFields.longValue(mapper.readTree("\"48213\"")));
        assertEquals(Optional.of(371L),
                WhatsAppFields.longValue(mapper.readTree("{\"low\":371,\"high\":0,\"unsigned\":true}")));
        assertEquals(Optional.of(371L),
                WhatsAppFields.longValue(mapper.readTree("{\"low\":371,\"high\":0,\"unsigned\":false}")));
    }

    @Test
    void fileLengthOfThreeGibibytesWithNegativeLow() throws Exception {
        long size = 3L * 1024 * 1024 * 1024;
        int low = (int) size;

        Optional<Long> parsed = WhatsAppFields.longValue(
                mapper.readTree("{\"low\":" + low + ",\"high\":0,\"unsigned\":true}"));

        assertTrue(low < 0, "long.js keeps low signed");
        assertEquals(Optional.of(size), parsed);
    }

    @Test
    void bytesAsIndexObjectOrBase64() throws Exception {
        byte[] expected = {12, (byte) 200, 0, (byte) 255};

        assertArrayEquals(expected,
                WhatsAppFields.bytes(mapper.readTree("{\"0\":12,\"1\":200,\"2\":0,\"3\":255}")).orElseThrow());
        assertArrayEquals(expected, WhatsAppFields.bytes(mapper.readTree("\"DMgA/w==\"")).orElseThrow());
        assertTrue(WhatsAppFields.bytes(mapper.readTree("{\"0\":300}")).isEmpty());
    }

    @Test
    void bytesAsArrayOrNodeBuffer() throws Exception {
        byte[] expected = {12, (byte) 200, 0, (byte) 255};

        assertArrayEquals(expected, WhatsAppFields.bytes(mapper.readTree("[12,200,0,255]")).orElseThrow());
        assertArrayEquals(expected, WhatsAppFields.bytes(mapper.readTree(
                "{\"type\":\"Buffer\",\"data\":[12,200,0,255]}")).orElseThrow());
        assertTrue(WhatsAppFields.bytes(mapper.readTree("{\"type\":\"Buffer\",\"data\":[256]}")).isEmpty());
    }

    @Test
    void e164FromPhoneJid() {
        assertEquals(Optional.of("+5511900000001"), WhatsAppFields.e164("5511900000001@s.whatsapp.net"));
        assertEquals(Optional.of("+5511900000001"), WhatsAppFields.e164("5511900000001:12@s.whatsapp.net"));
        assertTrue(WhatsAppFields.e164("120363000000000001@g.us").isEmpty());
        assertTrue(WhatsAppFields.e164("123456789@lid").isEmpty());
    }
}
