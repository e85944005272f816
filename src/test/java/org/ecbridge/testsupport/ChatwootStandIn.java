package org.ecbridge.testsupport;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A real HTTP server on 127.0.0.1 that plays the parts of Chatwoot 4.9.1's Application API that the bridge calls:
 * inbox show, contact search and create, contact inboxes, a contact's conversations, conversation create, and message list
 * and create (JSON or multipart with {@code attachments[]} parts).
 *
 * <p>Every request needs the {@code api_access_token} header. Any numeric account id is accepted and recorded,
 * but inboxes must be configured with {@link #addInbox}. JSON bodies are checked against Chatwoot's OpenAPI document
 * (see {@link #contractViolations()}). Multipart file parts stream to disk under the working directory and are
 * hashed from there. All other state is in memory. The inspection methods are safe to call from any thread.
 */
public final class ChatwootStandIn implements AutoCloseable {

    public static final String TOKEN_HEADER = "api_access_token";

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootStandIn.class);
    private static final String ACCOUNT_PATH = "/api/v1/accounts/:account";
    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
    private static final int REQUESTS_IN_WAIT_REPORT = 20;

    private final Path uploadsDir;
    private volatile String apiToken;
    private final StandInHttpServer http;
    private final ChatwootState state = new ChatwootState();
    private volatile ChatwootContract contract;
    private volatile ChatwootDirectUploadStorage directUploads;

    /**
     * @param workDir  directory for uploaded files, usually a JUnit {@code @TempDir}
     * @param apiToken the value that every request's {@code api_access_token} header must have
     */
    public ChatwootStandIn(Path workDir, String apiToken) {
        this.uploadsDir = workDir.resolve("chatwoot-uploads");
        this.apiToken = Objects.requireNonNull(apiToken, "apiToken");
        this.http = new StandInHttpServer("Chatwoot", workDir);
    }

    /** Accepts only {@code newToken} from now on, as rotating the access token in Chatwoot's profile does. */
    public void rotateApiToken(String newToken) {
        this.apiToken = Objects.requireNonNull(newToken, "newToken");
    }

    /** Configures an API-channel inbox that accepts conversations and incoming messages. */
    public ChatwootStandIn addInbox(long inboxId, String name) {
        return addInbox(inboxId, name, false);
    }

    public ChatwootStandIn addInbox(long inboxId, String name, boolean lockToSingleConversation) {
        state.addInbox(new ChatwootInbox(inboxId, name, lockToSingleConversation, "standin-inbox-" + inboxId));
        return this;
    }

    /**
     * Turns on {@code POST .../conversations/{id}/direct_uploads}, as Chatwoot with {@code DIRECT_UPLOADS_ENABLED}
     * has it. Without this call that path gets a 404.
     */
    public ChatwootStandIn enableDirectUploads(ChatwootDirectUploadStorage storage) {
        this.directUploads = Objects.requireNonNull(storage, "storage");
        return this;
    }

    /** Loads the OpenAPI document and starts listening on a free port of 127.0.0.1. */
    public ChatwootStandIn start() {
        http.requireNotStarted();
        contract = ChatwootContract.load();
        ChatwootViews views = new ChatwootViews(state, this::baseUrl);
        installRoutes(new ChatwootApi(state, views, contract), new ChatwootMessageApi(state, views, contract,
                http.failures(), () -> directUploads, uploadsDir.resolve("direct-uploads")));
        http.start(MultipartPartObserver.dispatchTo(http.router()));
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
     * Makes the stand-in respond with {@code status} to the next {@code times} requests whose path matches
     * {@code pathRegex} (with {@code Matcher.find}), after reading their body. A 429 gets Chatwoot's plain-text
     * {@code Retry later} body, and any other status gets {@code {"error": ...}}.
     */
    public void failNext(String pathRegex, int status, int times) {
        http.failures().failNext(null, pathRegex, status, times);
    }

    /** Like {@link #failNext(String, int, int)}, for requests with the given HTTP method only. */
    public void failNext(String method, String pathRegex, int status, int times) {
        http.failures().failNext(method, pathRegex, status, times);
    }

    /** Drops the failures and delays that {@link #failNext} and {@link #delayNext} scheduled and not yet used. */
    public void clearFailures() {
        http.failures().clear();
    }

    /** Holds back the response to the next request whose path matches {@code pathRegex} by {@code delay}. */
    public void delayNext(String pathRegex, Duration delay) {
        http.failures().delayNext(null, pathRegex, delay, 1);
    }

    public void delayNext(String method, String pathRegex, Duration delay, int times) {
        http.failures().delayNext(method, pathRegex, delay, times);
    }

    /**
     * Creates a contact in {@code inboxId} and an open conversation for it, as if a customer had written before,
     * and returns the conversation.
     */
    public ChatwootConversation seedConversation(long accountId, long inboxId, String name, String phoneNumber,
                                                 String identifier) {
        ChatwootState.ContactCreation created = state.createContact(accountId, new ChatwootState.ContactDraft(name,
                null, phoneNumber, identifier, false, null, null, inboxId, null));
        return state.createConversation(accountId, new ChatwootState.ConversationDraft(inboxId,
                created.contact().id(), null, "open", null, null));
    }

    /**
     * Makes the stand-in store the next {@code times} created messages whose path matches {@code pathRegex} and
     * then hold back the response by {@code hold}, as a Chatwoot whose answer is lost after it saved the message.
     */
    public void holdResponseAfterStoring(String pathRegex, Duration hold, int times) {
        http.failures().holdResponseNext("POST", pathRegex, hold, times);
    }

    /** Closes the listening socket, as a Chatwoot outage would; state and port are kept for {@link #resume}. */
    public void pause() {
        http.stopListening();
    }

    /** Listens again on the port the stand-in had before {@link #pause}. */
    public void resume() {
        http.resumeListening();
    }

    public List<ChatwootContact> contacts() {
        return state.contacts();
    }

    /** Sets a conversation's status directly, as an agent resolving it in the Chatwoot UI. */
    public ChatwootConversation setConversationStatus(long accountId, long displayId, String status) {
        return state.setStatus(accountId, displayId, status);
    }

    /**
     * Sets the conversation's {@code agent_last_seen_at} to now, as Chatwoot does when an agent opens it in the
     * dashboard (an endpoint of the dashboard's own API that Chatwoot's OpenAPI document does not list).
     */
    public void agentReads(long accountId, long displayId) {
        state.agentSaw(accountId, displayId, Instant.now());
    }

    public List<ChatwootConversation> conversations() {
        return state.conversations();
    }

    /** Returns the accepted messages in the order they arrived. */
    public List<ChatwootMessage> messages() {
        return state.messages();
    }

    /** Returns the JSON requests that broke the OpenAPI document, each of which got a 400 response. */
    public List<ContractViolation> contractViolations() {
        return contract == null ? List.of() : contract.violations();
    }

    public List<RecordedRequest> requests() {
        return http.requests();
    }

    /**
     * Waits until at least {@code count} messages have arrived and returns all of them.
     *
     * @throws AssertionError when {@code timeout} passes first, with a message that lists what arrived
     */
    public List<ChatwootMessage> awaitMessages(int count, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            List<ChatwootMessage> arrived = messages();
            if (arrived.size() >= count) {
                return arrived;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(describeWait(count, timeout, arrived));
            }
            sleep(POLL_INTERVAL);
        }
    }

    @Override
    public void close() {
        http.close();
    }

    private void installRoutes(ChatwootApi api, ChatwootMessageApi messageApi) {
        Router router = http.router();
        router.route().handler(MultipartPartObserver.scannerAttacher());
        router.route().handler(http.requestRecorder());
        router.route().handler(this::deleteUnkeptUploadsAtEnd);
        router.route().handler(BodyHandler.create(uploadsDir.toString())
                .setBodyLimit(-1)
                .setDeleteUploadedFilesOnEnd(false));
        router.route().handler(this::authenticate);
        router.route().handler(http.failureInjection(ChatwootStandIn::respondWithInjectedStatus));

        api(router, HttpMethod.GET, "/inboxes/:inbox", api::showInbox);
        api(router, HttpMethod.GET, "/contacts/search", api::searchContacts);
        api(router, HttpMethod.POST, "/contacts", api::createContact);
        api(router, HttpMethod.POST, "/contacts/:contact/contact_inboxes", api::createContactInbox);
        api(router, HttpMethod.GET, "/contacts/:contact/conversations", api::contactConversations);
        api(router, HttpMethod.POST, "/conversations", api::createConversation);
        api(router, HttpMethod.GET, "/conversations/:conversation", api::showConversation);
        api(router, HttpMethod.GET, "/conversations/:conversation/messages", messageApi::listMessages);
        api(router, HttpMethod.POST, "/conversations/:conversation/messages", messageApi::createMessage);
        api(router, HttpMethod.POST, "/conversations/:conversation/toggle_status", api::toggleStatus);
        router.post("/public/api/v1/inboxes/:inbox_identifier/contacts/:source_id/conversations/:conversation"
                + "/update_last_seen").blockingHandler(http.guarded(api::updateLastSeen), false);
        api(router, HttpMethod.DELETE, "/conversations/:conversation/messages/:message",
                messageApi::deleteMessage);
        api(router, HttpMethod.POST, "/conversations/:conversation/direct_uploads", this::createDirectUpload);
        router.get(ChatwootViews.BLOB_REDIRECT_PATH + ":key/:filename")
                .handler(http.guarded(messageApi::redirectToBlob));
        router.get(ChatwootViews.BLOB_DISK_PATH + ":key/:filename").handler(http.guarded(messageApi::serveBlob));
        router.route().last().handler(ctx -> StandInJson.send(ctx, 404, ChatwootErrors.error(
                "the Chatwoot stand-in has no route for " + ctx.request().method() + " " + ctx.request().path())));
    }

    private void createDirectUpload(RoutingContext ctx) {
        ChatwootDirectUploadStorage storage = directUploads;
        if (storage == null) {
            throw ChatwootErrors.notFound();
        }
        state.conversation(ChatwootRequests.accountId(ctx), ChatwootRequests.pathId(ctx, "conversation"));
        storage.createBlob(ctx);
    }

    /** Adds an account-scoped API route whose handler runs on a worker thread, because it may hash files. */
    private void api(Router router, HttpMethod method, String pathInAccount, Handler<RoutingContext> handler) {
        router.route(method, ACCOUNT_PATH + pathInAccount).blockingHandler(http.guarded(handler), false);
    }

    private void authenticate(RoutingContext ctx) {
        boolean blobDownload = ctx.request().path().startsWith("/rails/active_storage/");
        // The public client API takes no token: the inbox identifier and the contact's source_id identify it.
        boolean publicApi = ctx.request().path().startsWith("/public/api/v1/");
        if (blobDownload || publicApi || apiToken.equals(ctx.request().getHeader(TOKEN_HEADER))) {
            ctx.next();
            return;
        }
        LOG.info("Chatwoot stand-in rejects {} {}: missing or wrong {} header", ctx.request().method(),
                ctx.request().path(), TOKEN_HEADER);
        StandInJson.send(ctx, 401, ChatwootErrors.error("Invalid Access Token"));
    }

    /** Deletes the request's uploaded files when it ends, except those that an accepted message refers to. */
    private void deleteUnkeptUploadsAtEnd(RoutingContext ctx) {
        ctx.addEndHandler(ignored -> {
            Set<String> keptPaths = ctx.get(ChatwootMessageApi.KEPT_UPLOADS_KEY, Set.of());
            for (FileUpload upload : ctx.fileUploads()) {
                if (!keptPaths.contains(upload.uploadedFileName())) {
                    http.vertx().fileSystem().delete(upload.uploadedFileName()).onFailure(error ->
                            LOG.warn("Chatwoot stand-in failed to delete upload {}", upload.uploadedFileName(), error));
                }
            }
        });
        ctx.next();
    }

    private static void respondWithInjectedStatus(RoutingContext ctx, int status) {
        if (status == 429) {
            StandInJson.sendText(ctx, status, "text/plain; charset=utf-8", "Retry later\n");
            return;
        }
        String reason = HttpResponseStatus.valueOf(status).reasonPhrase();
        StandInJson.send(ctx, status, ChatwootErrors.error(reason + " (injected by the test)"));
    }

    private String describeWait(int count, Duration timeout, List<ChatwootMessage> arrived) {
        StringBuilder text = new StringBuilder("expected at least " + count + " Chatwoot messages within "
                + timeout.toMillis() + " ms, but " + arrived.size() + " arrived");
        arrived.forEach(message -> text.append("\n  ").append(describe(message)));
        List<RecordedRequest> requests = requests();
        int from = Math.max(0, requests.size() - REQUESTS_IN_WAIT_REPORT);
        text.append("\nlast ").append(requests.size() - from).append(" of ").append(requests.size())
                .append(" requests:");
        requests.subList(from, requests.size()).forEach(request -> text.append("\n  ").append(request.method())
                .append(' ').append(request.rawUri()).append(" -> ").append(request.status()));
        contractViolations().forEach(violation -> text.append("\ncontract violation: ").append(violation));
        return text.toString();
    }

    private static String describe(ChatwootMessage message) {
        String attachments = message.attachments().stream()
                .map(attachment -> attachment.fileName() + " (" + attachment.sizeBytes() + " bytes)")
                .collect(Collectors.joining(", ", "[", "]"));
        String content = message.content() == null ? "null" : '"' + abbreviate(message.content()) + '"';
        return "message " + message.id() + " in account " + message.accountId() + " conversation "
                + message.conversationDisplayId() + ": " + message.messageType() + ", source_id "
                + message.sourceId() + ", content " + content + ", attachments " + attachments;
    }

    private static String abbreviate(String text) {
        int maxCharacters = 60;
        return text.length() <= maxCharacters ? text : text.substring(0, maxCharacters) + "...";
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Chatwoot messages", e);
        }
    }
}
