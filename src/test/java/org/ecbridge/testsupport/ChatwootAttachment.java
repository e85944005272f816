package org.ecbridge.testsupport;

import java.nio.file.Path;

/**
 * A file that arrived as an {@code attachments[]} part of a multipart message, or as the signed id of a blob
 * uploaded through direct_uploads.
 *
 * @param fileName    the part's file name, from {@code filename*} (RFC 5987) when present, else {@code filename}
 * @param contentType the part's {@code Content-Type}
 * @param fileType    Chatwoot's {@code file_type} for that content type: image, video, audio or file
 * @param sizeBytes   number of bytes stored
 * @param sha256      SHA-256 of the stored bytes, lower-case hex
 * @param path        where the stored bytes are, inside the stand-in's working directory
 * @param blobKey     the key in this attachment's {@code data_url}
 * @param signedId    the direct-upload blob's signed id that the message named, or null for a multipart part
 */
public record ChatwootAttachment(long id, String fileName, String contentType, String fileType, long sizeBytes,
                                 String sha256, Path path, String blobKey, String signedId) {
}
