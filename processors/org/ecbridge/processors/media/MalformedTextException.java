package org.ecbridge.processors.media;

import java.io.IOException;
import java.nio.charset.Charset;

/** Raised when a text file has bytes that its detected charset cannot decode, with where they are. */
public final class MalformedTextException extends IOException {

    private final long offset;

    public MalformedTextException(Charset charset, long offset, int length, boolean malformed) {
        super((malformed ? "malformed " : "unmappable ") + charset.name() + " input of " + length
                + (length == 1 ? " byte" : " bytes") + " at byte offset " + offset);
        this.offset = offset;
    }

    /** Returns the offset in the file of the first byte that could not be decoded. */
    public long offset() {
        return offset;
    }
}
