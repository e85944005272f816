package org.ecbridge.processors.media;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.ecbridge.storage.LocalMediaStore;
import org.ecbridge.storage.MediaLinkSigner;
import org.ecbridge.storage.PercentEncoding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the local media store's files through signed, expiring links: {@code GET} and {@code HEAD} of
 * {@code /media/<key>/<file name>?expires=<unix seconds>&signature=<hex>}, with a single {@code Range}
 * (206 and {@code Content-Range}, 416 when unsatisfiable), {@code Content-Length}, {@code Content-Type} and a
 * {@code Content-Disposition} with an RFC 5987 {@code filename*}. A bad or expired signature gets 403, an unknown
 * key 404, both with a JSON error.
 *
 * <p>The response is written here, through Vert.x, and not by platform-http: Camel 4.17's
 * {@code VertxPlatformHttpSupport.writeResponse} turns a {@code File} or {@code InputStream} body into a chunked
 * stream without {@code Content-Length}, which a range response and a HEAD need. {@code sendFile} streams the file
 * region from disk (zero-copy without TLS), so the heap holds no part of the file. platform-http skips writing
 * a response that has already ended.
 */
public final class MediaLinkServer implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(MediaLinkServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern LINK_PATH = Pattern.compile("^/media/([^/]+)/([^/]+)$");
    private static final Pattern SINGLE_RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    private final LocalMediaStore store;
    private final MediaLinkSigner signer;

    /** A byte range of the file, inclusive at both ends. */
    record ByteRange(long first, long last) {
        long length() {
            return last - first + 1;
        }
    }

    /** @param store the local media store, or null when media is stored in S3 and served from there */
    public MediaLinkServer(LocalMediaStore store) {
        this.store = store;
        this.signer = store == null ? null : store.signer();
    }

    @Override
    public void process(Exchange exchange) throws IOException {
        if (!(exchange.getIn() instanceof HttpMessage http)) {
            throw new IllegalStateException("the media link route must start from platform-http");
        }
        HttpServerRequest request = http.getRequest();
        HttpServerResponse response = http.getResponse();
        if (store == null) {
            error(response, 404, "not-found", "this bridge stores media in S3, which serves the links itself");
            return;
        }
        Matcher path = LINK_PATH.matcher(request.path());
        if (!path.matches()) {
            error(response, 404, "not-found", "no media at this path; links look like /media/<key>/<file name>");
            return;
        }
        String key = path.group(1);
        String fileName;
        try {
            fileName = PercentEncoding.decode(path.group(2));
        } catch (IllegalArgumentException e) {
            error(response, 403, "invalid-signature", "the link's file name is not valid percent-encoding");
            return;
        }
        if (!checkSignature(request, response, key, fileName)) {
            return;
        }
        Optional<LocalMediaStore.StoredFile> stored = store.find(key);
        if (stored.isEmpty()) {
            error(response, 404, "not-found", "media " + key + " is not stored, or was deleted after its retention");
            return;
        }

        serve(request, response, stored.get(), fileName);
    }

    private boolean checkSignature(HttpServerRequest request, HttpServerResponse response, String key,
            String fileName) {
        String expires = request.getParam("expires");
        String signature = request.getParam("signature");
        if (expires == null || !expires.matches("\\d{1,12}") || signature == null) {
            error(response, 403, "invalid-signature", "the link needs the query parameters expires and signature");
            return false;
        }
        if (!signer.isValid(key, fileName, Long.parseLong(expires), signature)) {
            LOG.warn("Rejected a media link for {} with an invalid signature from {}", key, request.remoteAddress());
            error(response, 403, "invalid-signature", "the link's signature is invalid");
            return false;
        }
        if (signer.isExpired(Long.parseLong(expires))) {
            error(response, 403, "expired", "the link expired at " + java.time.Instant.ofEpochSecond(
                    Long.parseLong(expires)) + "; ask for a new one");
            return false;
        }
        return true;
    }

    private void serve(HttpServerRequest request, HttpServerResponse response, LocalMediaStore.StoredFile stored,
            String fileName) {
        long sizeBytes = stored.media().sizeBytes();
        response.putHeader("Accept-Ranges", "bytes");
        response.putHeader("Content-Type", stored.media().contentType() == null ? "application/octet-stream"
                : stored.media().contentType());
        response.putHeader("Content-Disposition", contentDisposition(fileName));
        response.putHeader("ETag", "\"" + stored.media().sha256Hex() + "\"");
        response.putHeader("Cache-Control", "private, no-transform");

        ByteRange range = new ByteRange(0, sizeBytes - 1);
        String rangeHeader = request.getHeader("Range");
        if (rangeHeader != null) {
            Optional<ByteRange> requested = parseRange(rangeHeader, sizeBytes);
            if (requested == null) {
                response.setStatusCode(416).putHeader("Content-Range", "bytes */" + sizeBytes);
                response.putHeader("Content-Type", "application/json");
                response.end(errorBody("range-not-satisfiable", "the file has " + sizeBytes + " bytes; "
                        + rangeHeader + " lies outside it"));
                return;
            }
            if (requested.isPresent()) {
                range = requested.get();
                response.setStatusCode(206).putHeader("Content-Range", "bytes " + range.first() + "-"
                        + range.last() + "/" + sizeBytes);
            }
        }

        if (request.method() == HttpMethod.HEAD || sizeBytes == 0) {
            response.putHeader("Content-Length", Long.toString(sizeBytes == 0 ? 0 : range.length()));
            response.end();
            return;
        }
        long first = range.first();
        long length = range.length();
        Future<Void> sending = response.sendFile(stored.file().toString(), first, length);
        sending.onFailure(failure -> LOG.warn("Sending media {} bytes {}-{} failed: {}", stored.media().key(),
                first, first + length - 1, failure.toString()));
        if (!response.ended()) {
            awaitSent(sending);
        }
    }

    /**
     * Waits for the file to be sent. Over HTTP/1.1 {@code sendFile} ends the response at once and needs no wait;
     * over HTTP/2 (a client that upgraded with h2c) the response ends only after the last byte, and
     * platform-http must not write its own response before that.
     * NOTE: each HTTP/2 download therefore keeps a Vert.x worker thread busy until it has been sent.
     */
    private static void awaitSent(Future<Void> sending) {
        try {
            sending.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Already logged by the failure handler; the client sees the connection end early.
        }
    }

    /**
     * Returns the requested range, empty to serve the whole file (no usable single range: several ranges or an
     * unknown unit, which RFC 9110 lets a server ignore), or null when the range lies outside the file.
     */
    static Optional<ByteRange> parseRange(String header, long sizeBytes) {
        Matcher range = SINGLE_RANGE.matcher(header.trim());
        if (!range.matches() || (range.group(1).isEmpty() && range.group(2).isEmpty())) {
            return Optional.empty();
        }
        try {
            if (range.group(1).isEmpty()) {
                long suffix = Long.parseLong(range.group(2));
                if (suffix == 0 || sizeBytes == 0) {
                    return null;
                }
                return Optional.of(new ByteRange(Math.max(0, sizeBytes - suffix), sizeBytes - 1));
            }
            long first = Long.parseLong(range.group(1));
            if (!range.group(2).isEmpty() && Long.parseLong(range.group(2)) < first) {
                return Optional.empty();
            }
            if (first >= sizeBytes) {
                return null;
            }
            long last = range.group(2).isEmpty() ? sizeBytes - 1 : Long.parseLong(range.group(2));
            return Optional.of(new ByteRange(first, Math.min(last, sizeBytes - 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Returns {@code attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>}. */
    static String contentDisposition(String fileName) {
        String fallback = fileName.replaceAll("[^\\x20-\\x7E]", "_").replace("\\", "_").replace("\"", "_");
        return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + PercentEncoding.encode(fileName);
    }

    private static void error(HttpServerResponse response, int status, String code, String message) {
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(errorBody(code, message));
    }

    private static String errorBody(String code, String message) {
        ObjectNode body = MAPPER.createObjectNode().put("error", code).put("message", message);
        return body.toString();
    }
}
