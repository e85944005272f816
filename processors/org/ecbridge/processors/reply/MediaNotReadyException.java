package org.ecbridge.processors.reply;

/**
 * Thrown when the storage behind a Chatwoot attachment does not have the file yet (404 or S3 {@code NoSuchKey}):
 * Chatwoot sends its webhook before the upload has finished, so the delivery waits and requests it again.
 */
public class MediaNotReadyException extends Exception {

    public MediaNotReadyException(String message) {
        super(message);
    }
}
