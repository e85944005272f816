package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.ecbridge.testsupport.ChatwootRequests.accountId;
import static org.ecbridge.testsupport.ChatwootRequests.jsonBody;
import static org.ecbridge.testsupport.ChatwootRequests.pathId;
import static org.ecbridge.testsupport.ChatwootRequests.text;

/** Handlers of the Chatwoot stand-in's message endpoints and of the attachment download URLs. */
final class ChatwootMessageApi {

    static final String ATTACHMENT_FIELD = "attachments[]";
    /** Context key of the upload paths that a request keeps. The other uploads are deleted when it ends. */
    static final String KEPT_UPLOADS_KEY = ChatwootMessageApi.class.getName() + ".keptUploads";

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootMessageApi.class);
    /** Page sizes of Chatwoot's {@code MessageFinder}. */
    private static final int LATEST_PAGE_SIZE = 20;
    private static final int AFTER_PAGE_SIZE = 100;
    private static final int BETWEEN_PAGE_SIZE = 1000;

    private final ChatwootState state;
    private final ChatwootViews views;
    private final ChatwootContract contract;
    private final FailureInjector failures;
    private final java.util.function.Supplier<ChatwootDirectUploadStorage> directUploads;
    private final Path uploadsDir;

    ChatwootMessageApi(ChatwootState state, ChatwootViews views, ChatwootContract contract,
            FailureInjector failures, java.util.function.Supplier<ChatwootDirectUploadStorage> directUploads,
            Path uploadsDir) {
        this.state = state;
        this.views = views;
        this.contract = contract;
        this.failures = failures;
        this.directUploads = directUploads;
        this.uploadsDir = uploadsDir;
    }

    /**
     * {@code GET /api/v1/accounts/{account}/conversations/{conversation}/messages}. Like Chatwoot, it returns
     * only the newest 20 messages unless {@code before}, {@code after} or {@code before_timestamp} page further.
     */
    void listMessages(RoutingContext ctx) {
        ChatwootConversation conversation = state.conversation(accountId(ctx), pathId(ctx, "conversation"));

        List<ChatwootMessage> page = selectPage(state.messagesOf(conversation), ctx.queryParams());
        ObjectNode body = StandInJson.object();
        body.set("meta", views.messageListMeta(conversation));
        body.set("payload", views.messages(page));
        StandInJson.send(ctx, 200, body);
    }

    /** {@code POST /api/v1/accounts/{account}/conversations/{conversation}/messages}, JSON or multipart. */
    void createMessage(RoutingContext ctx) {
        long accountId = accountId(ctx);
        long displayId = pathId(ctx, "conversation");
        state.conversation(accountId, displayId);
        boolean multipart = ChatwootRequests.isMultipart(ctx);

        ChatwootState.MessageDraft draft = multipart ? multipartDraft(ctx) : jsonDraft(ctx);
        ChatwootMessage message = state.addMessage(accountId, displayId, draft);
        Set<String> keptPaths = new HashSet<>();
        message.attachments().forEach(attachment -> keptPaths.add(attachment.path().toString()));
        ctx.put(KEPT_UPLOADS_KEY, keptPaths);
        LOG.debug("Chatwoot stand-in stored message {} in conversation {} of account {} with {} attachments",
                message.id(), displayId, accountId, message.attachments().size());
        holdResponse(ctx);
        StandInJson.send(ctx, 200, views.message(message));
    }

    /** {@code DELETE /api/v1/accounts/{account}/conversations/{conversation}/messages/{message}}. */
    void deleteMessage(RoutingContext ctx) {
        ChatwootMessage deleted = state.deleteMessage(accountId(ctx), pathId(ctx, "conversation"),
                pathId(ctx, "message"));

        StandInJson.send(ctx, 200, views.message(deleted));
    }

    /** Blocks this worker thread for a response hold the test scheduled, after the message is stored. */
    private void holdResponse(RoutingContext ctx) {
        java.time.Duration hold = failures.takeResponseHold("POST", ctx.request().path());
        if (hold.isZero()) {
            return;
        }
        LOG.info("Chatwoot stand-in stored the message and holds the response to {} for {} ms as the test scheduled",
                ctx.request().path(), hold.toMillis());
        try {
            Thread.sleep(hold.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Redirects an attachment's {@code data_url} to the stored bytes, as Active Storage does. */
    void redirectToBlob(RoutingContext ctx) {
        ChatwootAttachment attachment = requireAttachment(ctx);
        String location = ChatwootViews.BLOB_DISK_PATH + attachment.blobKey() + "/"
                + ChatwootViews.encodePathSegment(attachment.fileName());
        ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, location).end();
    }

    void serveBlob(RoutingContext ctx) {
        ChatwootAttachment attachment = requireAttachment(ctx);
        ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, attachment.contentType())
                .sendFile(attachment.path().toString());
    }

    private ChatwootState.MessageDraft jsonDraft(RoutingContext ctx) {
        contract.check(ctx);
        JsonNode request = jsonBody(ctx);
        JsonNode contentAttributes = request.get("content_attributes");
        return new ChatwootState.MessageDraft(text(request, "content"), text(request, "message_type"),
                ChatwootRequests.railsBoolean(text(request, "private")), text(request, "source_id"),
                contentAttributes, text(request, "content_type"), text(request, "echo_id"), signedUploads(request));
    }

    /** Resolves the signed ids in a JSON request's {@code attachments} to the blobs uploaded directly. */
    private List<ChatwootState.StoredUpload> signedUploads(JsonNode request) {
        JsonNode signedIds = request.path("attachments");
        if (!signedIds.isArray() || signedIds.isEmpty()) {
            return List.of();
        }
        ChatwootDirectUploadStorage storage = directUploads.get();
        if (storage == null) {
            throw ChatwootErrors.unprocessable("attachments names signed ids, but direct uploads are not enabled");
        }
        List<ChatwootState.StoredUpload> uploads = new ArrayList<>();
        signedIds.forEach(signedId -> uploads.add(storage.attach(signedId.asText(), uploadsDir)));
        return uploads;
    }

    private ChatwootState.MessageDraft multipartDraft(RoutingContext ctx) {
        MultiMap form = ctx.request().formAttributes();
        JsonNode contentAttributes = parseContentAttributes(form.get("content_attributes"));
        return new ChatwootState.MessageDraft(form.get("content"), form.get("message_type"),
                ChatwootRequests.railsBoolean(form.get("private")), form.get("source_id"), contentAttributes,
                form.get("content_type"), form.get("echo_id"), storedUploads(ctx));
    }

    /**
     * Describes the request's {@code attachments[]} parts, hashing each stored file. Parts under any other name
     * are left out, as Chatwoot ignores parameters it does not permit.
     */
    private List<ChatwootState.StoredUpload> storedUploads(RoutingContext ctx) {
        List<FileUpload> files = ctx.fileUploads();
        List<String> rawFileNames = rawFileNames(ctx, files.size());
        List<MultipartPartScanner.PartContent> rawContents = rawFileContents(ctx, files.size());
        List<ChatwootState.StoredUpload> uploads = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileUpload file = files.get(i);
            if (!ATTACHMENT_FIELD.equals(file.name())) {
                LOG.warn("Chatwoot stand-in ignores file part '{}'; Chatwoot reads only '{}'", file.name(),
                        ATTACHMENT_FIELD);
                continue;
            }
            String rawFileName = rawFileNames == null ? null : rawFileNames.get(i);
            String fileName = rawFileName == null ? file.fileName() : rawFileName;
            Path path = Path.of(file.uploadedFileName());
            MultipartPartScanner.PartContent raw = rawContents == null ? null : rawContents.get(i);
            long sizeBytes = raw == null ? file.size() : raw.sizeBytes();
            String sha256 = raw == null ? Sha256.ofFile(path) : raw.sha256();
            if (raw != null && raw.sizeBytes() != file.size()) {
                LOG.warn("Netty stored {} bytes for part '{}' but the raw body carried {}; the stand-in records what "
                        + "was sent", file.size(), fileName, raw.sizeBytes());
            }
            uploads.add(new ChatwootState.StoredUpload(fileName, file.contentType(), sizeBytes, sha256, path,
                    null));
        }
        return uploads;
    }

    /**
     * Returns the file names from the raw part headers in upload order, with null for a part whose name could
     * not be decoded. Returns null when the scanner's parts do not line up with Vert.x's uploads, so that the
     * caller keeps Netty's names.
     */
    private static List<String> rawFileNames(RoutingContext ctx, int uploadCount) {
        MultipartPartScanner scanner = MultipartPartObserver.scanner(ctx);
        List<MultipartPartScanner.Part> parts = scanner == null ? null : scanner.parts();
        if (parts == null) {
            LOG.warn("Chatwoot stand-in could not read the raw part headers; file names come from Netty");
            return null;
        }
        List<String> fileNames = parts.stream()
                .filter(MultipartPartScanner.Part::file)
                .map(MultipartPartScanner.Part::fileName)
                .toList();
        if (fileNames.size() != uploadCount) {
            LOG.warn("Chatwoot stand-in saw {} file parts in the raw headers but Vert.x stored {} files;"
                    + " file names come from Netty", fileNames.size(), uploadCount);
            return null;
        }
        return fileNames;
    }

    /**
     * Returns the length and SHA-256 of each file part's content as it crossed the wire, in upload order, or null
     * when the scanner's parts do not line up with Vert.x's uploads.
     *
     * <p>NOTE: Netty 4.1.128's multipart decoder was seen storing one byte more than was sent, rarely and only
     * under load, so sizes and hashes come from the raw body; the stored file is kept for its content.
     */
    private static List<MultipartPartScanner.PartContent> rawFileContents(RoutingContext ctx, int uploadCount) {
        MultipartPartScanner scanner = MultipartPartObserver.scanner(ctx);
        List<MultipartPartScanner.Part> parts = scanner == null ? null : scanner.parts();
        List<MultipartPartScanner.PartContent> contents = scanner == null ? null : scanner.contents();
        if (parts == null || contents == null || contents.size() != parts.size()) {
            return null;
        }
        List<MultipartPartScanner.PartContent> fileContents = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).file()) {
                fileContents.add(contents.get(i));
            }
        }
        return fileContents.size() == uploadCount ? fileContents : null;
    }

    /**
     * Parses the multipart {@code content_attributes} field, a JSON string.
     *
     * <p>NOTE: Chatwoot parses it with {@code safe_parse_json}, whose handling of invalid JSON was not checked.
     * The stand-in rejects invalid JSON with 422 so that a bridge sending it fails loudly.
     */
    private static JsonNode parseContentAttributes(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        StandInHttpException invalid =
                ChatwootErrors.unprocessable("content_attributes is not valid JSON: " + abbreviate(value));
        JsonNode parsed = StandInJson.parse(value, invalid);
        if (!parsed.isObject()) {
            throw ChatwootErrors.unprocessable("content_attributes must be a JSON object, got " + abbreviate(value));
        }
        return parsed;
    }

    /** Selects messages as Chatwoot's {@code MessageFinder} does and returns them oldest first. */
    private static List<ChatwootMessage> selectPage(List<ChatwootMessage> messages, MultiMap query) {
        Long after = idParameter(query.get("after"));
        Long before = idParameter(query.get("before"));
        Long beforeTimestamp = idParameter(query.get("before_timestamp"));
        if (after != null && before != null) {
            return messages.stream()
                    .filter(message -> message.id() >= after && message.id() < before)
                    .limit(BETWEEN_PAGE_SIZE)
                    .toList();
        }
        if (after != null) {
            return messages.stream().filter(message -> message.id() > after).limit(AFTER_PAGE_SIZE).toList();
        }
        if (before != null) {
            return newest(messages.stream().filter(message -> message.id() < before).toList());
        }
        if (beforeTimestamp != null) {
            Instant limit = Instant.ofEpochSecond(beforeTimestamp);
            return newest(messages.stream().filter(message -> message.createdAt().isBefore(limit)).toList());
        }
        return newest(messages);
    }

    private static List<ChatwootMessage> newest(List<ChatwootMessage> oldestFirst) {
        int from = Math.max(0, oldestFirst.size() - LATEST_PAGE_SIZE);
        return oldestFirst.subList(from, oldestFirst.size());
    }

    /** Reads a paging parameter as Rails' {@code present?} and {@code to_i} do: blank is absent, junk is 0. */
    private static Long idParameter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return 0L;
        }
    }

    private ChatwootAttachment requireAttachment(RoutingContext ctx) {
        ChatwootAttachment attachment = state.attachmentByBlobKey(ctx.pathParam("key"));
        if (attachment == null) {
            throw ChatwootErrors.notFound();
        }
        return attachment;
    }

    private static String abbreviate(String value) {
        int maxCharacters = 80;
        return value.length() <= maxCharacters ? value : value.substring(0, maxCharacters) + "...";
    }
}
