package org.ecbridge.processors.media;

import java.io.IOException;

/** Thrown while a media file is written once it grows past the configured maximum. */
public class MediaTooLargeException extends IOException {

    private final long seenBytes;
    private final long maxBytes;

    public MediaTooLargeException(long seenBytes, long maxBytes) {
        super("media file reached " + seenBytes + " bytes, over the maximum of " + maxBytes + " bytes");
        this.seenBytes = seenBytes;
        this.maxBytes = maxBytes;
    }

    public long seenBytes() {
        return seenBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
