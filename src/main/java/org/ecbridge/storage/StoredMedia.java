package org.ecbridge.storage;

/** A file in a {@link MediaStore}: its key, the name and type it is served with, its length and SHA-256. */
public record StoredMedia(String key, String fileName, String contentType, long sizeBytes, String sha256Hex) {
}
