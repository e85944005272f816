package org.ecbridge.processors.chatwoot;

/** Thrown when Chatwoot's direct_uploads response has no signed id or upload URL, so direct upload is off. */
public class DirectUploadUnavailableException extends Exception {

    public DirectUploadUnavailableException(String message) {
        super(message);
    }
}
