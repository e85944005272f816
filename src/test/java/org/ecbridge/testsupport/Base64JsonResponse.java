package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Sends a JSON object whose last fields are {@code "base64": <file contents as base64>} and
 * {@code "buffer": null}, encoding the file chunk by chunk while it streams, so that the file and its base64
 * text never sit in memory whole. The response has a {@code Content-Length}, computed from the file size.
 */
final class Base64JsonResponse {

    private static final Logger LOG = LoggerFactory.getLogger(Base64JsonResponse.class);
    /** Not a multiple of 3, so that the carry between chunks is exercised on every file. */
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final String SUFFIX = "\",\"buffer\":null}";

    private Base64JsonResponse() {
    }

    /** Returns the length of the base64 text, with padding, for {@code sizeBytes} input bytes. */
    static long base64Length(long sizeBytes) {
        return 4 * ((sizeBytes + 2) / 3);
    }

    /**
     * Sends {@code leadingFields} followed by the base64 of {@code file}.
     *
     * @param sizeBytes the file's size, which must not change while it streams
     */
    static void send(Vertx vertx, RoutingContext ctx, int status, ObjectNode leadingFields, Path file,
                     long sizeBytes) {
        String leading = StandInJson.write(leadingFields);
        String separator = leadingFields.isEmpty() ? "" : ",";
        Buffer prefix = Buffer.buffer(leading.substring(0, leading.length() - 1) + separator + "\"base64\":\"",
                StandardCharsets.UTF_8.name());
        Buffer suffix = Buffer.buffer(SUFFIX, StandardCharsets.UTF_8.name());
        long contentLength = prefix.length() + base64Length(sizeBytes) + suffix.length();

        vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
                .onFailure(error -> {
                    LOG.error("stand-in failed to open media file {}", file, error);
                    StandInJson.send(ctx, 500, StandInJson.object().put("error", "cannot read " + file));
                })
                .onSuccess(source -> {
                    HttpServerResponse response = ctx.response()
                            .setStatusCode(status)
                            .putHeader(HttpHeaders.CONTENT_TYPE, StandInJson.JSON_CONTENT_TYPE)
                            .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(contentLength));
                    response.write(prefix);
                    stream(source.setReadBufferSize(READ_BUFFER_BYTES), response, suffix, ctx, file);
                });
    }

    private static void stream(AsyncFile source, HttpServerResponse response, Buffer suffix, RoutingContext ctx,
                               Path file) {
        Base64Chunks encoder = new Base64Chunks();
        response.closeHandler(ignored -> source.close());
        source.handler(chunk -> {
            response.write(encoder.encode(chunk));
            if (response.writeQueueFull()) {
                source.pause();
                response.drainHandler(drained -> source.resume());
            }
        });
        source.exceptionHandler(error -> {
            LOG.error("stand-in failed to read media file {} while streaming it; closing the connection", file,
                    error);
            source.close();
            ctx.request().connection().close();
        });
        source.endHandler(ended -> {
            response.write(encoder.finish());
            response.end(suffix);
            source.close();
        });
    }

    /** Base64-encodes a byte stream that arrives in chunks of any size, carrying 1 or 2 bytes between chunks. */
    static final class Base64Chunks {

        private final Base64.Encoder encoder = Base64.getEncoder();
        private final byte[] carry = new byte[2];
        private int carryLength;

        Buffer encode(Buffer chunk) {
            byte[] bytes = chunk.getBytes();
            int total = carryLength + bytes.length;
            int encodable = total - total % 3;
            byte[] input = new byte[encodable];
            int fromCarry = Math.min(carryLength, encodable);
            System.arraycopy(carry, 0, input, 0, fromCarry);
            System.arraycopy(bytes, 0, input, fromCarry, encodable - fromCarry);
            keepRemainder(bytes, total - encodable, fromCarry);
            return Buffer.buffer(encoder.encode(input));
        }

        /** Encodes the carried bytes with padding. Call it once, after the last chunk. */
        Buffer finish() {
            byte[] rest = new byte[carryLength];
            System.arraycopy(carry, 0, rest, 0, carryLength);
            carryLength = 0;
            return Buffer.buffer(encoder.encode(rest));
        }

        /** Keeps the last {@code remainder} input bytes, which may still include carried bytes. */
        private void keepRemainder(byte[] bytes, int remainder, int usedFromCarry) {
            byte[] remaining = new byte[remainder];
            int keptFromCarry = carryLength - usedFromCarry;
            System.arraycopy(carry, usedFromCarry, remaining, 0, keptFromCarry);
            System.arraycopy(bytes, bytes.length - (remainder - keptFromCarry), remaining, keptFromCarry,
                    remainder - keptFromCarry);
            System.arraycopy(remaining, 0, carry, 0, remainder);
            carryLength = remainder;
        }
    }
}
