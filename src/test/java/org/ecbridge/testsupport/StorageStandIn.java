package org.ecbridge.testsupport;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on 127.0.0.1 that plays where a Chatwoot attachment's {@code data_url} leads: Active
 * Storage's redirect endpoint {@code /rails/active_storage/blobs/redirect/<key>/<file name>}, which answers 302,
 * and the storage behind it at {@code /bucket/<key>/<file name>}, plain or as an S3-style presigned link
 * ({@code X-Amz-Date} + {@code X-Amz-Expires}) that answers 403 once expired and to a HEAD, as S3 does for a
 * link signed for GET.
 *
 * <p>Objects are files on disk, sent with {@code sendFile}; single byte ranges get 206. An object can answer
 * 404 {@code NoSuchKey} a few times first, as S3 does while Chatwoot's upload has not finished. Every request is
 * recorded with the bytes of the file sent in its answer.
 */
public final class StorageStandIn implements AutoCloseable {

    public static final String REDIRECT_PATH = "/rails/active_storage/blobs/redirect/";
    public static final String BUCKET_PATH = "/bucket/";

    private static final Logger LOG = LoggerFactory.getLogger(StorageStandIn.class);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d+)-(\\d*)$");

    /** A stored object; {@code presignedFor} null means plain links that never expire. */
    private record StoredObject(Path file, String contentType, Duration presignedFor, boolean honoursRange) {
    }

    /** One request: method, path, the Range header, the status and the bytes of the file its answer carries. */
    public record StorageRequest(String method, String path, String range, int status, long fileBytesSent) {
    }

    private final StandInHttpServer http;
    private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> missingAnswers = new ConcurrentHashMap<>();
    private final List<StorageRequest> log = new CopyOnWriteArrayList<>();

    public StorageStandIn(Path workDir) {
        this.http = new StandInHttpServer("Storage", workDir);
    }

    public StorageStandIn start() {
        Router router = http.router();
        router.route(HttpMethod.GET, REDIRECT_PATH + ":key/:name").handler(this::redirect);
        router.route(HttpMethod.HEAD, REDIRECT_PATH + ":key/:name").handler(this::redirect);
        router.route(HttpMethod.GET, BUCKET_PATH + ":key/:name").handler(this::serve);
        router.route(HttpMethod.HEAD, BUCKET_PATH + ":key/:name").handler(this::serve);
        router.route().last().handler(ctx -> answerError(ctx, 404, "NoSuchKey", "no such path"));
        http.start(router);
        return this;
    }

    public String baseUrl() {
        return http.baseUrl();
    }

    /** Stores {@code file} under {@code key}, served with plain links and honouring ranges. */
    public void put(String key, Path file, String contentType) {
        objects.put(key, new StoredObject(file, contentType, null, true));
    }

    /** Stores {@code file} under {@code key}, served through presigned links valid for {@code expiresIn}. */
    public void putPresigned(String key, Path file, String contentType, Duration expiresIn) {
        objects.put(key, new StoredObject(file, contentType, expiresIn, true));
    }

    /** Stores {@code file} under {@code key}, served whole whatever Range a request asks for. */
    public void putIgnoringRanges(String key, Path file, String contentType) {
        objects.put(key, new StoredObject(file, contentType, null, false));
    }

    /** Makes the next {@code times} requests for the object answer 404 {@code NoSuchKey}. */
    public void missingFor(String key, int times) {
        missingAnswers.put(key, new AtomicInteger(times));
    }

    /** Returns the {@code data_url} Chatwoot would put in its webhook for this object. */
    public String dataUrl(String key, String fileName) {
        return baseUrl() + REDIRECT_PATH + key + "/" + URLEncoder.encode(fileName, StandardCharsets.UTF_8)
                .replace("+", "%20");
    }

    public List<StorageRequest> requests() {
        return List.copyOf(log);
    }

    /** Returns the bytes of the object's file sent in all answers so far. */
    public long fileBytesSent(String key) {
        return log.stream().filter(request -> request.path().startsWith(BUCKET_PATH + key + "/"))
                .mapToLong(StorageRequest::fileBytesSent).sum();
    }

    @Override
    public void close() {
        http.close();
    }

    private void redirect(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        StoredObject object = objects.get(key);
        if (object == null) {
            answerError(ctx, 404, "NoSuchKey", "The specified key does not exist.");
            return;
        }
        String location = baseUrl() + BUCKET_PATH + key + "/" + rawName(ctx);
        if (object.presignedFor() != null) {
            location += "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=TESTKEY%2F20250115%2Fus-east-1%2Fs3"
                    + "&X-Amz-Date=" + AMZ_DATE.format(LocalDateTime.now(ZoneOffset.UTC))
                    + "&X-Amz-Expires=" + object.presignedFor().toSeconds()
                    + "&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef";
        }
        record(ctx, 302, 0);
        ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, location).end();
    }

    private void serve(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        StoredObject object = objects.get(key);
        AtomicInteger missing = missingAnswers.get(key);
        if (object == null || (missing != null && missing.getAndDecrement() > 0)) {
            answerError(ctx, 404, "NoSuchKey", "The specified key does not exist.");
            return;
        }
        if (object.presignedFor() != null) {
            if (ctx.request().method() == HttpMethod.HEAD) {
                answerError(ctx, 403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided.");
                return;
            }
            if (isExpired(ctx)) {
                answerError(ctx, 403, "AccessDenied", "Request has expired");
                return;
            }
        }
        long sizeBytes = sizeOf(object.file());
        long first = 0;
        long length = sizeBytes;
        int status = 200;
        String range = ctx.request().getHeader("Range");
        Matcher matcher = range == null ? null : RANGE.matcher(range);
        if (object.honoursRange() && matcher != null && matcher.matches() && sizeBytes > 0) {
            first = Long.parseLong(matcher.group(1));
            long last = matcher.group(2).isEmpty() ? sizeBytes - 1
                    : Math.min(Long.parseLong(matcher.group(2)), sizeBytes - 1);
            length = last - first + 1;
            status = 206;
            ctx.response().putHeader("Content-Range", "bytes " + first + "-" + last + "/" + sizeBytes);
        }
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, object.contentType())
                .putHeader("Accept-Ranges", "bytes");
        boolean head = ctx.request().method() == HttpMethod.HEAD;
        record(ctx, status, head ? 0 : length);
        LOG.debug("Storage stand-in answers {} {} with {} bytes from {}", ctx.request().method(), key, length, first);
        if (head) {
            ctx.response().putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length)).end();
            return;
        }
        ctx.response().sendFile(object.file().toString(), first, length);
    }

    private boolean isExpired(RoutingContext ctx) {
        String date = ctx.request().getParam("X-Amz-Date");
        String seconds = ctx.request().getParam("X-Amz-Expires");
        if (date == null || seconds == null) {
            return true;
        }
        Instant signedAt = LocalDateTime.parse(date, AMZ_DATE).toInstant(ZoneOffset.UTC);
        return Instant.now().isAfter(signedAt.plusSeconds(Long.parseLong(seconds)));
    }

    private void answerError(RoutingContext ctx, int status, String code, String message) {
        record(ctx, status, 0);
        StandInJson.sendText(ctx, status, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>");
    }

    private void record(RoutingContext ctx, int status, long fileBytes) {
        log.add(new StorageRequest(ctx.request().method().name(), ctx.request().path(),
                ctx.request().getHeader("Range"), status, fileBytes));
    }

    private static String rawName(RoutingContext ctx) {
        String path = ctx.request().path();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
