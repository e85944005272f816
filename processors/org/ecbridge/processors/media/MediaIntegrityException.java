package org.ecbridge.processors.media;

import java.io.IOException;

/**
 * Thrown when downloaded media fails a check against the facts of its message: the MAC, a SHA-256 or the length.
 * Fetching the same URL again gives the same bytes, so the failure is permanent for that source.
 */
public class MediaIntegrityException extends IOException {

    public MediaIntegrityException(String message) {
        super(message);
    }
}
