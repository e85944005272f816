package org.ecbridge.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A minimal Chatwoot for benchmarks, on 127.0.0.1. It serves the contact search, contact create, conversation
 * list, conversation create and message create calls the bridge makes, writes each {@code attachments[]} part of
 * a multipart message to disk and then hashes the written file. It checks the API token and nothing else of
 * Chatwoot's contract, which the tests check with {@code org.ecbridge.testsupport.ChatwootStandIn}.
 */
public final class ChatwootSink implements AutoCloseable {

    private static final Pattern ACCOUNT_PATH = Pattern.compile("/api/v1/accounts/(\\d+)(/.*)");
    private static final Pattern CONTACT_CONVERSATIONS = Pattern.compile("/contacts/(\\d+)/conversations");
    private static final Pattern CONVERSATION_MESSAGES = Pattern.compile("/conversations/(\\d+)/messages");
    private static final int FILE_BUFFER_BYTES = 256 * 1024;

    /** One attachment as it arrived: where it was written, its length and SHA-256, and when its last byte came. */
    public record ReceivedFile(Path file, String fileName, long sizeBytes, String sha256Hex, long receivedAtNanos) {
    }

    private record Contact(long id, String identifier, String phoneNumber, String name) {
    }

    private record Conversation(long id, long contactId, long inboxId) {
    }

    private final ObjectMapper mapper = new ObjectMapper();
    private final String apiToken;
    private final Path receiveDir;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final AtomicLong nextId = new AtomicLong(1);
    private final List<Contact> contacts = new ArrayList<>();
    private final List<Conversation> conversations = new ArrayList<>();
    private final BlockingQueue<ReceivedFile> receivedFiles = new LinkedBlockingQueue<>();

    /** Starts the sink on an ephemeral port of 127.0.0.1; attachments are written into {@code receiveDir}. */
    public ChatwootSink(String apiToken, Path receiveDir) throws IOException {
        this.apiToken = apiToken;
        this.receiveDir = Files.createDirectories(receiveDir);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Returns the base URL to configure as {@code bridge.chatwoot.url}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Waits for the next attachment and returns it, or null when none arrived within {@code timeoutMillis}. */
    public ReceivedFile awaitFile(long timeoutMillis) throws InterruptedException {
        return receivedFiles.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!apiToken.equals(exchange.getRequestHeaders().getFirst("api_access_token"))) {
                drain(exchange.getRequestBody());
                respond(exchange, 401, mapper.createObjectNode().put("error", "Invalid Access Token"));
                return;
            }
            Matcher account = ACCOUNT_PATH.matcher(exchange.getRequestURI().getPath());
            JsonNode response = account.matches() ? route(exchange, account.group(2)) : null;
            if (response == null) {
                drain(exchange.getRequestBody());
                respond(exchange, 404, mapper.createObjectNode().put("error", "Resource could not be found"));
                return;
            }
            respond(exchange, 200, response);
        } catch (IOException | RuntimeException e) {
            System.err.println("Chatwoot sink failed on " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI() + ": " + e);
            throw e;
        }
    }

    /** Returns the response body for one Application API call, or null for a path the sink does not serve. */
    private JsonNode route(HttpExchange exchange, String accountPath) throws IOException {
        String method = exchange.getRequestMethod();
        Matcher contactConversations = CONTACT_CONVERSATIONS.matcher(accountPath);
        Matcher conversationMessages = CONVERSATION_MESSAGES.matcher(accountPath);
        if (method.equals("GET") && accountPath.equals("/contacts/search")) {
            return searchContacts();
        } else if (method.equals("POST") && accountPath.equals("/contacts")) {
            return createContact(readJson(exchange));
        } else if (method.equals("GET") && contactConversations.matches()) {
            return listConversations(Long.parseLong(contactConversations.group(1)));
        } else if (method.equals("POST") && accountPath.equals("/conversations")) {
            return createConversation(readJson(exchange));
        } else if (method.equals("POST") && conversationMessages.matches()) {
            return createMessage(exchange, Long.parseLong(conversationMessages.group(1)));
        }
        return null;
    }

    /** Returns every contact; the bridge picks the one whose identifier or phone number matches. */
    private synchronized JsonNode searchContacts() {
        ObjectNode response = mapper.createObjectNode();
        ArrayNode payload = response.putArray("payload");
        contacts.forEach(contact -> payload.add(contactNode(contact)));
        return response;
    }

    private synchronized JsonNode createContact(JsonNode request) {
        Contact contact = new Contact(nextId.getAndIncrement(), request.path("identifier").asText(null),
                request.path("phone_number").asText(null), request.path("name").asText(null));
        contacts.add(contact);
        ObjectNode response = mapper.createObjectNode();
        ObjectNode payload = response.putObject("payload");
        payload.set("contact", contactNode(contact));
        payload.putObject("contact_inbox").put("inbox_id", request.path("inbox_id").asLong())
                .put("source_id", "sink-" + contact.id());
        return response;
    }

    private synchronized JsonNode listConversations(long contactId) {
        ObjectNode response = mapper.createObjectNode();
        ArrayNode payload = response.putArray("payload");
        conversations.stream().filter(conversation -> conversation.contactId() == contactId)
                .forEach(conversation -> payload.add(conversationNode(conversation)));
        return response;
    }

    private synchronized JsonNode createConversation(JsonNode request) {
        Conversation conversation = new Conversation(nextId.getAndIncrement(), request.path("contact_id").asLong(),
                request.path("inbox_id").asLong());
        conversations.add(conversation);
        return conversationNode(conversation);
    }

    private JsonNode createMessage(HttpExchange exchange, long conversationId) throws IOException {
        long messageId = nextId.getAndIncrement();
        String boundary = MultipartStreamReader.boundaryOf(exchange.getRequestHeaders().getFirst("Content-Type"));
        if (boundary == null) {
            drain(exchange.getRequestBody());
        } else {
            readAttachments(exchange.getRequestBody(), boundary, messageId);
        }
        return mapper.createObjectNode().put("id", messageId).put("conversation_id", conversationId)
                .put("message_type", 0);
    }

    private void readAttachments(InputStream body, String boundary, long messageId) throws IOException {
        MultipartStreamReader reader = new MultipartStreamReader(body, boundary);
        for (MultipartStreamReader.Part part = reader.nextPart(); part != null; part = reader.nextPart()) {
            if ("attachments[]".equals(part.dispositionParameter("name"))) {
                receivedFiles.add(writeAttachment(reader, part, messageId));
            } else {
                reader.copyContent(OutputStream.nullOutputStream());
            }
        }
        drain(body);
    }

    private ReceivedFile writeAttachment(MultipartStreamReader reader, MultipartStreamReader.Part part,
            long messageId) throws IOException {
        String fileName = part.dispositionParameter("filename");
        Path file = receiveDir.resolve("message-" + messageId + ".bin");
        long sizeBytes;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), FILE_BUFFER_BYTES)) {
            sizeBytes = reader.copyContent(out);
        }
        long receivedAtNanos = System.nanoTime();
        // Hashing after the time is taken keeps the sink's own SHA-256 out of the bridge's delivery time.
        return new ReceivedFile(file, fileName, sizeBytes, WebhookFixture.sha256Hex(file), receivedAtNanos);
    }

    private JsonNode readJson(HttpExchange exchange) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            return mapper.readTree(body);
        }
    }

    private ObjectNode contactNode(Contact contact) {
        return mapper.createObjectNode().put("id", contact.id()).put("identifier", contact.identifier())
                .put("phone_number", contact.phoneNumber()).put("name", contact.name());
    }

    private ObjectNode conversationNode(Conversation conversation) {
        return mapper.createObjectNode().put("id", conversation.id()).put("inbox_id", conversation.inboxId())
                .put("status", "open");
    }

    private void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = mapper.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void drain(InputStream body) throws IOException {
        body.transferTo(OutputStream.nullOutputStream());
    }
}
