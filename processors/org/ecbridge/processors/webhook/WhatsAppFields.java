package org.ecbridge.processors.webhook;

import java.util.Base64;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads WhatsApp protobuf fields in each encoding EvolutionAPI has used: 64-bit numbers as a number, a numeric
 * string or a long.js object {@code {low, high, unsigned}}, and bytes as a base64 string, an index object
 * {@code {"0": 12, "1": 200, ...}}, an array of numbers or a Node.js Buffer's JSON {@code {"type": "Buffer",
 * "data": [...]}}.
 */
public final class WhatsAppFields {

    private static final long UNSIGNED_INT_MASK = 0xFFFFFFFFL;

    private WhatsAppFields() {
    }

    /** Returns a 64-bit value, or empty when the field is absent or not a number in any known encoding. */
    public static Optional<Long> longValue(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        if (node.isIntegralNumber()) {
            return Optional.of(node.asLong());
        }
        if (node.isTextual() && node.asText().matches("-?\\d{1,19}")) {
            return Optional.of(Long.parseLong(node.asText()));
        }
        if (node.isObject() && node.path("low").isIntegralNumber()) {
            // long.js keeps low as a signed 32-bit integer, so sizes of 2 GiB and more arrive with a negative low.
            long low = node.path("low").asLong() & UNSIGNED_INT_MASK;
            long high = node.path("high").asLong(0);
            return Optional.of((high << 32) | low);
        }
        return Optional.empty();
    }

    /** Returns the bytes of a bytes field, or empty when it is absent or malformed. */
    public static Optional<byte[]> bytes(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            try {
                return Optional.of(Base64.getDecoder().decode(node.asText()));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        if (node.isObject() && "Buffer".equals(node.path("type").asText()) && node.path("data").isArray()) {
            return indexedBytes(node.get("data"));
        }
        if (node.isObject() || node.isArray()) {
            return indexedBytes(node);
        }
        return Optional.empty();
    }

    /** Returns {@code +<digits>} for a phone JID such as {@code 5511900000001@s.whatsapp.net}. */
    public static Optional<String> e164(String jid) {
        if (jid == null || !jid.endsWith("@s.whatsapp.net")) {
            return Optional.empty();
        }
        String user = jid.substring(0, jid.indexOf('@'));
        int device = user.indexOf(':');
        String digits = device < 0 ? user : user.substring(0, device);
        if (!digits.matches("[1-9]\\d{1,14}")) {
            return Optional.empty();
        }
        return Optional.of("+" + digits);
    }

    private static Optional<byte[]> indexedBytes(JsonNode node) {
        int size = node.size();
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            JsonNode value = node.isArray() ? node.get(i) : node.get(Integer.toString(i));
            if (value == null || !value.isIntegralNumber() || value.asInt() < 0 || value.asInt() > 255) {
                return Optional.empty();
            }
            bytes[i] = (byte) value.asInt();
        }
        return Optional.of(bytes);
    }
}
