package org.ecbridge.processors.media;

/** Thrown when media could not be fetched for a reason that may pass, so the delivery is retried. */
public class MediaUnavailableException extends Exception {

    public MediaUnavailableException(String message) {
        super(message);
    }
}
