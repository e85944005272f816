package org.ecbridge.processors.chatwoot;

/** Thrown when Chatwoot no longer has the cached conversation; the redelivery finds or creates another. */
public class StaleConversationException extends Exception {

    public StaleConversationException(String message) {
        super(message);
    }
}
