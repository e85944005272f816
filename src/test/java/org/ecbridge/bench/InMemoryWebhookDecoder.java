package org.ecbridge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The in-memory way to get a webhook's file, which the bridge avoids and the benchmarks compare against: read
 * the whole body into a String, parse it into a Jackson tree, decode {@code data.message.base64} with
 * {@link Base64#getDecoder()} and write the bytes to a file. Its heap grows with the file.
 */
public final class InMemoryWebhookDecoder {

    /** Jackson 2.15 and later reject strings over 20,000,000 chars by default, far below a 10 MiB file's base64. */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build());

    private InMemoryWebhookDecoder() {
    }

    /** Decodes the webhook's file into {@code mediaFile} and returns its length in bytes. */
    public static long decodeToFile(Path webhookFile, Path mediaFile) throws IOException {
        String body = Files.readString(webhookFile, StandardCharsets.UTF_8);
        JsonNode base64 = MAPPER.readTree(body).path("data").path("message").path("base64");
        if (!base64.isTextual()) {
            throw new IOException(webhookFile + " has no text field data.message.base64");
        }
        byte[] media = Base64.getDecoder().decode(base64.asText());
        Files.write(mediaFile, media);
        return media.length;
    }

    /**
     * Decodes one webhook file and prints the decoded length.
     *
     * <p>Usage: {@code InMemoryWebhookDecoder <webhook.json> <output-file>}
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: InMemoryWebhookDecoder <webhook.json> <output-file>");
            System.exit(2);
        }
        long startNanos = System.nanoTime();
        long sizeBytes = decodeToFile(Path.of(args[0]), Path.of(args[1]));
        long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
        System.out.println("decodedBytes=" + sizeBytes + " decodeMillis=" + elapsedMillis);
    }
}
