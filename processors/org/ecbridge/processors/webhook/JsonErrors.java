package org.ecbridge.processors.webhook;

import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Describes a Jackson parse error without the body text it quotes: Jackson puts the offending token, up to 256
 * characters of it, between single quotes, and that can be a customer's message or a piece of base64.
 */
public final class JsonErrors {

    private static final Pattern QUOTED = Pattern.compile("'[^']*'");

    private JsonErrors() {
    }

    /** Returns Jackson's message with every quoted excerpt replaced by {@code '…'}. */
    public static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        return message == null ? e.getClass().getSimpleName() : QUOTED.matcher(message).replaceAll("'…'");
    }
}
