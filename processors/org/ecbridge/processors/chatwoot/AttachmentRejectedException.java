package org.ecbridge.processors.chatwoot;

/** Thrown when Chatwoot rejects an attachment for its size or time; the redelivery posts a link instead. */
public class AttachmentRejectedException extends Exception {

    public AttachmentRejectedException(String message) {
        super(message);
    }
}
