package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server on 127.0.0.1 that plays the parts of EvolutionAPI 2.3.x that the bridge calls:
 * the unauthenticated welcome response of {@code GET /},
 * {@code POST /chat/getBase64FromMediaMessage/{instance}} for media registered with {@link #registerMedia},
 * and, standing in for S3, presigned-style media URLs under {@code /media/} registered with {@link #serveFile}.
 * For agent replies it plays {@code POST /message/sendText}, {@code /message/sendMedia},
 * {@code /message/sendWhatsAppAudio}, {@code DELETE /chat/deleteMessageForEveryone} and, for read receipts,
 * {@code POST /chat/markMessageAsRead}: it checks their bodies
 * against EvolutionAPI's schemas, downloads a {@code media} or {@code audio} URL before it answers (as
 * EvolutionAPI does, hashing the bytes as they stream), and records every request (see {@link #sendRequests()}
 * and {@link #sendViolations()}).
 *
 * <p>API calls need the {@code apikey} header, but media URLs need none, like presigned S3 URLs. Media files are
 * streamed from disk, never loaded whole. The inspection methods are safe to call from any thread.
 */
public final class EvolutionStandIn implements AutoCloseable {

    public static final String API_KEY_HEADER = "apikey";
    /** Evolution's {@code express.json({limit: '136mb'})}. A larger body gets a 413 response. */
    public static final long MAX_JSON_BODY_BYTES = 136L * 1024 * 1024;
    public static final String MEDIA_PATH_PREFIX = "/media/";

    private static final Logger LOG = LoggerFactory.getLogger(EvolutionStandIn.class);
    private static final String XML_CONTENT_TYPE = "application/xml";

    /** How {@code size.fileLength} is encoded, which depends on the Evolution version. */
    public enum FileLengthEncoding {
        /** {@code {"low": N, "high": 0, "unsigned": true}}, as 2.3.6 and later send it. */
        LONG_OBJECT,
        /** A plain JSON number, as 2.3.3 to 2.3.5 send it. */
        NUMBER,
        /** A numeric string such as {@code "36274"}, as 2.3.2 and older send it. */
        NUMERIC_STRING
    }

    private record RegisteredMedia(Path file, String mimetype, String fileName, String mediaType, String caption) {
    }

    private record ServedFile(String rawPathAndQuery, Path file, String contentType) {

        boolean requiresExactQuery() {
            return rawPathAndQuery.indexOf('?') >= 0;
        }
    }

    /** A send, delete or read request, with the download of its media URL when it had one. */
    public record SendRequest(String action, String instance, JsonNode body, int status, String whatsAppId,
                              MediaDownload media) {
    }

    /** What the stand-in fetched from a {@code media} or {@code audio} URL. */
    public record MediaDownload(String url, int status, String contentType, long sizeBytes, String sha256) {
    }

    private final String apiKey;
    private final Path uploadsDir;
    private final StandInHttpServer http;
    private final Set<String> instances = ConcurrentHashMap.newKeySet();
    private final Map<String, RegisteredMedia> media = new ConcurrentHashMap<>();
    private final Map<String, ServedFile> servedFiles = new ConcurrentHashMap<>();
    private final List<JsonNode> base64Requests = new CopyOnWriteArrayList<>();
    private volatile FileLengthEncoding fileLengthEncoding = FileLengthEncoding.LONG_OBJECT;
    private final List<SendRequest> sendRequests = new CopyOnWriteArrayList<>();
    private final List<String> sendViolations = new CopyOnWriteArrayList<>();
    private final Set<String> numbersNotOnWhatsApp = ConcurrentHashMap.newKeySet();
    private final HttpClient mediaClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * @param workDir directory for the server's scratch files, usually a JUnit {@code @TempDir}
     * @param apiKey  the value that every API request's {@code apikey} header must have
     */
    public EvolutionStandIn(Path workDir, String apiKey) {
        this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
        this.uploadsDir = workDir.resolve("evolution-uploads");
        this.http = new StandInHttpServer("EvolutionAPI", workDir);
    }

    /** Declares an instance name. API calls for any other instance get Evolution's 404. */
    public EvolutionStandIn addInstance(String instanceName) {
        instances.add(instanceName);
        return this;
    }

    public EvolutionStandIn fileLengthEncoding(FileLengthEncoding encoding) {
        this.fileLengthEncoding = Objects.requireNonNull(encoding, "encoding");
        return this;
    }

    public EvolutionStandIn start() {
        http.requireNotStarted();
        installRoutes();
        http.start(http.router());
        return this;
    }

    /** Returns {@code http://127.0.0.1:PORT}, without a trailing slash. */
    public String baseUrl() {
        return http.baseUrl();
    }

    public int port() {
        return http.port();
    }

    /**
     * Makes {@code getBase64FromMediaMessage} return {@code file} for WhatsApp message {@code messageId}.
     * A null {@code fileName} makes the response carry Evolution's fallback name {@code <messageId>.<ext>}.
     */
    public void registerMedia(String messageId, Path file, String mimetype, String fileName) {
        registerMedia(messageId, file, mimetype, fileName, EvolutionMediaTypes.mediaType(mimetype), null);
    }

    /**
     * @param mediaType the {@code mediaType} field, e.g. {@code documentMessage} or {@code stickerMessage}
     * @param caption   the {@code caption} field, or null to leave it out
     */
    public void registerMedia(String messageId, Path file, String mimetype, String fileName, String mediaType,
                              String caption) {
        requireRegularFile(file);
        media.put(messageId, new RegisteredMedia(file, mimetype, fileName, mediaType, caption));
    }

    /**
     * Serves {@code file} at {@code rawPathAndQuery}, which must start with {@code /media/} and is compared with
     * the request URI before any percent-decoding. When it contains a query, a request must repeat the query
     * byte for byte or gets S3's 403 {@code SignatureDoesNotMatch}, as a presigned URL would.
     */
    public void serveFile(String rawPathAndQuery, Path file, String contentType) {
        if (!rawPathAndQuery.startsWith(MEDIA_PATH_PREFIX)) {
            throw new IllegalArgumentException("media path '" + rawPathAndQuery + "' must start with "
                    + MEDIA_PATH_PREFIX);
        }
        requireRegularFile(file);
        ServedFile served = new ServedFile(rawPathAndQuery, file, contentType);
        servedFiles.put(pathOf(rawPathAndQuery), served);
    }

    /** Returns the absolute URL of a path registered with {@link #serveFile}. */
    public String mediaUrl(String rawPathAndQuery) {
        return baseUrl() + rawPathAndQuery;
    }

    /** Closes the listening socket, as an EvolutionAPI outage would; state and port are kept for {@link #resume}. */
    public void pause() {
        http.stopListening();
    }

    /** Listens again on the port the stand-in had before {@link #pause}. */
    public void resume() {
        http.resumeListening();
    }

    /** Like {@link ChatwootStandIn#failNext(String, int, int)}, with Evolution's error body. */
    public void failNext(String pathRegex, int status, int times) {
        http.failures().failNext(null, pathRegex, status, times);
    }

    public void failNext(String method, String pathRegex, int status, int times) {
        http.failures().failNext(method, pathRegex, status, times);
    }

    public void delayNext(String pathRegex, Duration delay) {
        http.failures().delayNext(null, pathRegex, delay, 1);
    }

    public void delayNext(String method, String pathRegex, Duration delay, int times) {
        http.failures().delayNext(method, pathRegex, delay, times);
    }

    /** Returns the JSON bodies of the authenticated {@code getBase64FromMediaMessage} requests, in order. */
    public List<JsonNode> base64Requests() {
        return List.copyOf(base64Requests);
    }

    public List<RecordedRequest> requests() {
        return http.requests();
    }

    /** Makes send requests to {@code number} (digits or JID) fail as EvolutionAPI does for a non-WhatsApp number. */
    public void notOnWhatsApp(String number) {
        numbersNotOnWhatsApp.add(digits(number));
    }

    /** Returns the send and delete requests in the order they were answered. */
    public List<SendRequest> sendRequests() {
        return List.copyOf(sendRequests);
    }

    /** Returns how the bridge's send requests broke EvolutionAPI's schemas or the bridge's own contract. */
    public List<String> sendViolations() {
        return List.copyOf(sendViolations);
    }

    /**
     * Waits until at least {@code count} send or delete requests have been answered and returns all of them.
     *
     * @throws AssertionError when {@code timeout} passes first, listing what arrived
     */
    public List<SendRequest> awaitSendRequests(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<SendRequest> answered = sendRequests();
            if (answered.size() >= count) {
                return answered;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected at least " + count + " EvolutionAPI send requests within "
                        + timeout.toMillis() + " ms, but " + answered.size() + " arrived: " + answered
                        + "\nviolations: " + sendViolations());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for send requests", e);
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }

    private void installRoutes() {
        Router router = http.router();
        router.route().handler(http.requestRecorder());
        router.route().handler(BodyHandler.create(uploadsDir.toString())
                .setBodyLimit(MAX_JSON_BODY_BYTES)
                .setDeleteUploadedFilesOnEnd(true));
        router.route().handler(this::authenticate);
        router.route().handler(http.failureInjection(EvolutionStandIn::respondWithInjectedStatus));
        router.get("/").handler(this::welcome);
        router.post("/chat/getBase64FromMediaMessage/:instance").handler(http.guarded(this::getBase64));
        router.get(MEDIA_PATH_PREFIX + "*").handler(this::serveMedia);
        router.post("/message/sendText/:instance").blockingHandler(http.guarded(ctx -> send(ctx, "sendText")),
                false);
        router.post("/message/sendMedia/:instance").blockingHandler(http.guarded(ctx -> send(ctx, "sendMedia")),
                false);
        router.post("/message/sendWhatsAppAudio/:instance")
                .blockingHandler(http.guarded(ctx -> send(ctx, "sendWhatsAppAudio")), false);
        router.post("/chat/markMessageAsRead/:instance")
                .blockingHandler(http.guarded(ctx -> send(ctx, "markMessageAsRead")), false);
        router.delete("/chat/deleteMessageForEveryone/:instance")
                .blockingHandler(http.guarded(ctx -> send(ctx, "deleteMessageForEveryone")), false);
        router.route().last().handler(ctx -> StandInJson.send(ctx, 404, EvolutionErrors.body(404,
                "Cannot " + ctx.request().method() + " " + ctx.request().path())));
    }

    private void authenticate(RoutingContext ctx) {
        boolean mediaDownload = ctx.request().path().startsWith(MEDIA_PATH_PREFIX);
        boolean welcome = ctx.request().path().equals("/");
        if (mediaDownload || welcome || apiKey.equals(ctx.request().getHeader(API_KEY_HEADER))) {
            ctx.next();
            return;
        }
        LOG.info("EvolutionAPI stand-in rejects {} {}: missing or wrong {} header", ctx.request().method(),
                ctx.request().path(), API_KEY_HEADER);
        ObjectNode body = StandInJson.object();
        body.put("status", 401);
        body.put("error", "Unauthorized");
        body.putObject("response").put("message", "Unauthorized");
        StandInJson.send(ctx, 401, body);
    }

    /** {@code GET /}: Evolution's unauthenticated welcome response, with the version it reports. */
    private void welcome(RoutingContext ctx) {
        ObjectNode body = StandInJson.object();
        body.put("status", 200);
        body.put("message", "Welcome to the Evolution API, it is working!");
        body.put("version", "2.3.7");
        StandInJson.send(ctx, 200, body);
    }

    /** {@code POST /chat/getBase64FromMediaMessage/{instance}} with {@code {"message": {"key": {"id"}}}}. */
    private void getBase64(RoutingContext ctx) {
        JsonNode request = StandInJson.parse(ctx.body().asString(),
                EvolutionErrors.exception(400, "request body is not valid JSON"));
        base64Requests.add(request);
        String instance = ctx.pathParam("instance");
        if (!instances.contains(instance)) {
            throw EvolutionErrors.exception(404, "The \"" + instance + "\" instance does not exist");
        }
        String messageId = request.path("message").path("key").path("id").asText(null);
        RegisteredMedia registered = messageId == null ? null : media.get(messageId);
        if (registered == null) {
            throw EvolutionErrors.exception(400, "Message not found");
        }

        // NOTE: convertToMp4 is recorded but ignored, so the stand-in returns the registered bytes and type.
        long sizeBytes = sizeOf(registered.file());
        LOG.debug("EvolutionAPI stand-in streams media of message {} ({} bytes) as base64", messageId, sizeBytes);
        Base64JsonResponse.send(http.vertx(), ctx, 201, describe(messageId, registered, sizeBytes),
                registered.file(), sizeBytes);
    }

    /** Builds the fields of Evolution's response that come before {@code base64}, in Evolution's order. */
    private ObjectNode describe(String messageId, RegisteredMedia registered, long sizeBytes) {
        ObjectNode fields = StandInJson.object();
        fields.put("mediaType", registered.mediaType());
        fields.put("fileName", registered.fileName() != null ? registered.fileName()
                : messageId + "." + EvolutionMediaTypes.extension(registered.mimetype()));
        if (registered.caption() != null) {
            fields.put("caption", registered.caption());
        }
        ObjectNode size = fields.putObject("size");
        switch (fileLengthEncoding) {
            case LONG_OBJECT -> size.putObject("fileLength")
                    .put("low", (int) sizeBytes)
                    .put("high", (int) (sizeBytes >>> 32))
                    .put("unsigned", true);
            case NUMBER -> size.put("fileLength", sizeBytes);
            case NUMERIC_STRING -> size.put("fileLength", Long.toString(sizeBytes));
            default -> throw new IllegalStateException("unknown encoding " + fileLengthEncoding);
        }
        fields.put("mimetype", registered.mimetype());
        return fields;
    }

    private void serveMedia(RoutingContext ctx) {
        String rawUri = ctx.request().uri();
        ServedFile served = servedFiles.get(pathOf(rawUri));
        if (served == null) {
            LOG.info("EvolutionAPI stand-in has no media file at {}", rawUri);
            sendS3Error(ctx, 404, "NoSuchKey", "The specified key does not exist.");
            return;
        }
        if (served.requiresExactQuery() && !served.rawPathAndQuery().equals(rawUri)) {
            LOG.info("EvolutionAPI stand-in rejects {}: the query differs from the registered {}", rawUri,
                    served.rawPathAndQuery());
            sendS3Error(ctx, 403, "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.");
            return;
        }
        ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, served.contentType())
                .sendFile(served.file().toString());
    }

    /** Checks a send, delete or read request, fetches its media URL and responds as EvolutionAPI does. */
    private void send(RoutingContext ctx, String action) {
        String instance = ctx.pathParam("instance");
        JsonNode body = StandInJson.parse(ctx.body().asString(),
                EvolutionErrors.exception(400, "request body is not valid JSON"));
        if (!instances.contains(instance)) {
            answerSend(ctx, action, instance, body, 404, null, null, EvolutionErrors.body(404,
                    "The \"" + instance + "\" instance does not exist"));
            return;
        }
        String schemaError = SendSchemas.check(action, body, sendViolations::add);
        if (schemaError != null) {
            answerSend(ctx, action, instance, body, 400, null, null, EvolutionErrors.body(400, schemaError));
            return;
        }
        if (action.equals("markMessageAsRead")) {
            ObjectNode answer = StandInJson.object().put("message", "Read messages").put("read", "success");
            answerSend(ctx, action, instance, body, 201, null, null, answer);
            return;
        }
        if (action.equals("deleteMessageForEveryone")) {
            ObjectNode answer = sentMessage(body.path("remoteJid").asText(), "protocolMessage");
            answerSend(ctx, action, instance, body, 201, answer.path("key").path("id").asText(), null, answer);
            return;
        }
        String number = body.path("number").asText();
        if (numbersNotOnWhatsApp.contains(digits(number))) {
            ObjectNode answer = StandInJson.object();
            answer.put("status", 400).put("error", "Bad Request");
            answer.putObject("response").putArray("message").addObject().put("exists", false)
                    .put("jid", digits(number) + "@s.whatsapp.net").put("number", number);
            answerSend(ctx, action, instance, body, 400, null, null, answer);
            return;
        }
        String mediaUrl = action.equals("sendMedia") ? body.path("media").asText(null)
                : action.equals("sendWhatsAppAudio") ? body.path("audio").asText(null) : null;
        MediaDownload download = mediaUrl == null ? null : download(mediaUrl);
        if (download != null && download.status() != 200) {
            answerSend(ctx, action, instance, body, 400, null, download, EvolutionErrors.body(400,
                    "Error: Request failed with status code " + download.status()));
            return;
        }
        String jid = number.contains("@") ? number : digits(number) + "@s.whatsapp.net";
        ObjectNode answer = sentMessage(jid, action.equals("sendText") ? "conversation"
                : body.path("mediatype").asText("audio") + "Message");
        answerSend(ctx, action, instance, body, 201, answer.path("key").path("id").asText(), download, answer);
    }

    private void answerSend(RoutingContext ctx, String action, String instance, JsonNode body, int status,
                            String whatsAppId, MediaDownload download, Object answer) {
        sendRequests.add(new SendRequest(action, instance, body, status, whatsAppId, download));
        StandInJson.send(ctx, status, answer);
    }

    /** Streams a media URL through SHA-256 without keeping it, as EvolutionAPI streams it to a temp file. */
    private MediaDownload download(String url) {
        try {
            HttpResponse<InputStream> response = mediaClient.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofMinutes(5)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            long sizeBytes = 0;
            try (InputStream in = response.body()) {
                byte[] buffer = new byte[64 * 1024];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    sha256.update(buffer, 0, read);
                    sizeBytes += read;
                }
            }
            return new MediaDownload(url, response.statusCode(), response.headers().firstValue("Content-Type")
                    .orElse(null), sizeBytes, HexFormat.of().formatHex(sha256.digest()));
        } catch (IOException | NoSuchAlgorithmException e) {
            LOG.info("EvolutionAPI stand-in failed to fetch media {}: {}", url, e.toString());
            return new MediaDownload(url, 599, null, 0, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MediaDownload(url, 599, null, 0, null);
        }
    }

    private static ObjectNode sentMessage(String remoteJid, String messageType) {
        ObjectNode answer = StandInJson.object();
        answer.putObject("key").put("remoteJid", remoteJid).put("fromMe", true)
                .put("id", "3EB0" + HexFormat.of().formatHex(randomBytes(9)).toUpperCase(Locale.ROOT));
        answer.put("pushName", "");
        answer.put("status", "PENDING");
        answer.putObject("message");
        answer.put("messageType", messageType);
        answer.put("messageTimestamp", System.currentTimeMillis() / 1000);
        answer.put("source", "unknown");
        return answer;
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static String digits(String number) {
        int at = number.indexOf('@');
        return (at < 0 ? number : number.substring(0, at)).replaceAll("\\D", "");
    }

    private static void sendS3Error(RoutingContext ctx, int status, String code, String message) {
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                + message + "</Message></Error>";
        StandInJson.sendText(ctx, status, XML_CONTENT_TYPE, body);
    }

    private static void respondWithInjectedStatus(RoutingContext ctx, int status) {
        String reason = HttpResponseStatus.valueOf(status).reasonPhrase();
        StandInJson.send(ctx, status, EvolutionErrors.body(status, reason + " (injected by the test)"));
    }

    private static String pathOf(String rawPathAndQuery) {
        int queryStart = rawPathAndQuery.indexOf('?');
        return queryStart < 0 ? rawPathAndQuery : rawPathAndQuery.substring(0, queryStart);
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of media file " + file, e);
        }
    }

    private static void requireRegularFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("media file " + file + " does not exist or is not a regular file");
        }
    }

    /** Error bodies in the shape of Evolution's exception filter. */
    private static final class EvolutionErrors {

        static ObjectNode body(int status, String message) {
            ObjectNode body = StandInJson.object();
            body.put("status", status);
            body.put("error", HttpResponseStatus.valueOf(status).reasonPhrase());
            body.putObject("response").putArray("message").add(message);
            return body;
        }

        static StandInHttpException exception(int status, String message) {
            return new StandInHttpException(status, body(status, message));
        }
    }

    /** Mimetype facts for the response fields that Evolution derives from it. */
    private static final class EvolutionMediaTypes {

        /**
         * The first extension that mime-db 1.52.0 (read by {@code mime.extension} in mime-types 2.1.35) lists
         * for a few common types. It matches the {@code .jpeg} that Evolution 2.3.x returns for images.
         * NOTE: other types get {@code false}, as Evolution does for a type that mime-db lacks.
         */
        private static final Map<String, String> EXTENSIONS = Map.of(
                "image/jpeg", "jpeg",
                "image/png", "png",
                "image/webp", "webp",
                "video/mp4", "mp4",
                "audio/ogg", "oga",
                "audio/mpeg", "mpga",
                "audio/mp4", "m4a",
                "application/pdf", "pdf",
                "text/plain", "txt");

        static String mediaType(String mimetype) {
            String type = mimetype == null ? "" : mimetype.toLowerCase(Locale.ROOT);
            if (type.startsWith("image/")) {
                return "imageMessage";
            }
            if (type.startsWith("video/")) {
                return "videoMessage";
            }
            return type.startsWith("audio/") ? "audioMessage" : "documentMessage";
        }

        static String extension(String mimetype) {
            String type = mimetype == null ? "" : HeaderParameters.parse(mimetype).type();
            return EXTENSIONS.getOrDefault(type, "false");
        }
    }
}
