package org.ecbridge.processors.chatwoot;

/** Thrown when a message's file can never be delivered, so it goes to the dead-letter folder without retries. */
public class MediaRejectedException extends Exception {

    public MediaRejectedException(String message) {
        super(message);
    }
}
