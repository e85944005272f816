package org.ecbridge.processors.reply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class LinkExpiryTest {

    @Test
    void awsSignatureV4AddsExpiresToDate() {
        String url = "https://bucket.s3.amazonaws.com/a.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=KEY%2F20250115%2Fus-east-1%2Fs3&X-Amz-Date=20250115T143000Z&X-Amz-Expires=300"
                + "&X-Amz-Signature=abc";

        assertEquals(Optional.of(Instant.parse("2025-01-15T14:35:00Z")), LinkExpiry.of(url));
    }

    @Test
    void googleAndExpiresAndAzureAreRead() {
        assertEquals(Optional.of(Instant.parse("2025-01-15T15:30:00Z")), LinkExpiry.of(
                "https://storage.googleapis.com/b/a?X-Goog-Date=20250115T143000Z&X-Goog-Expires=3600"));
        assertEquals(Optional.of(Instant.ofEpochSecond(1736951700L)), LinkExpiry.of(
                "https://bucket.s3.amazonaws.com/a.pdf?AWSAccessKeyId=K&Expires=1736951700&Signature=x"));
        assertEquals(Optional.of(Instant.parse("2025-01-15T14:35:00Z")), LinkExpiry.of(
                "https://account.blob.core.windows.net/c/a.pdf?sv=2022-11-02&se=2025-01-15T14%3A35%3A00Z&sig=x"));
    }

    @Test
    void linkWithoutExpiryHasNone() {
        assertTrue(LinkExpiry.of("https://chat.example.com/rails/active_storage/disk/abc/a.pdf").isEmpty());
        assertTrue(LinkExpiry.of("https://x.example.com/a?X-Amz-Date=garbage&X-Amz-Expires=300").isEmpty());
    }
}
