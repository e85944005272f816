package org.ecbridge.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Long-lived storage for files that are handed over by link instead of being uploaded: media too large for a
 * Chatwoot attachment, and agent attachments whose own links expire before EvolutionAPI fetches them. The local
 * implementation keeps files under the data folder and serves them itself; the S3 one uses a bucket and
 * presigned links.
 */
public interface MediaStore {

    /** Copies a file into the store as a stream, under a new random key. */
    StoredMedia store(Path file, String fileName, String contentType) throws IOException;

    /**
     * Checks that the store can hand out links, before a file is copied into it for one.
     *
     * @throws IllegalStateException naming the setting that is missing
     */
    default void requireLinks() {
    }

    /** Returns a link to download the stored file that stops working after {@code expiry}. */
    URI downloadLink(StoredMedia media, Duration expiry);

    /** Deletes a stored file; deleting a key that does not exist is not an error. */
    void delete(String key) throws IOException;
}
