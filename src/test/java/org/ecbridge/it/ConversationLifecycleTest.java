package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.state.MessageMap;
import org.ecbridge.state.StateStore;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.ChatwootWebhookClient;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.ManagementClient;
import org.ecbridge.testsupport.PrometheusScrape;
import org.ecbridge.testsupport.RecordedRequest;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the real routes and sends what happens to messages after they are posted (deletions, edits, reactions,
 * read receipts),
 * connection changes and resolved conversations, in EvolutionAPI's and Chatwoot's webhook shapes, asserting the
 * exact Chatwoot calls they cause.
 */
class ConversationLifecycleTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String INSTANCE = "atendimento-exemplo";
    private static final String CHAT = "5511900000001@s.whatsapp.net";
    private static final String MESSAGES_PATH = "/api/v1/accounts/1/conversations/1/messages";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String HOOK_TOKEN = "chatwoot-hook-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    /** Chatwoot response timeout of the tests that hold Chatwoot's response back for {@link #RESPONSE_HOLD}. */
    private static final String SHORT_RESPONSE_TIMEOUT_MILLIS = "1000";
    private static final Duration RESPONSE_HOLD = Duration.ofSeconds(4);

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;
    private EvolutionStandIn evolution;

    @AfterEach
    void stopServers() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (evolution != null) {
            evolution.close();
        }
        chatwoot.close();
    }

    @Test
    void deleteRemovesChatwootMessage() throws Exception {
        start(Map.of());
        ChatwootMessage posted = postAndAwait(text("3A00000000000000DEL1", "apague isto"));

        assertAccepted(webhooks.post(envelope("messages.delete", key("3A00000000000000DEL1"))));
        ChatwootMessage deleted = awaitMessage(message -> message.id() == posted.id()
                && message.contentAttributes().path("deleted").asBoolean(false));

        assertEquals("This message was deleted", deleted.content());
        assertEquals(List.of("DELETE " + MESSAGES_PATH + "/" + posted.id()), callsExcept("POST", "GET"));
        assertEquals(1, chatwoot.messages().size(), "a deletion posts no message: " + chatwoot.messages());
    }

    @Test
    void deleteInEveryShapeFindsMessage() throws Exception {
        start(Map.of());
        ChatwootMessage first = postAndAwait(text("3A00000000000000DEL2", "um"));
        ChatwootMessage second = postAndAwait(text("3A00000000000000DEL3", "dois"));
        ObjectNode withStatus = key("3A00000000000000DEL2").put("status", "DELETED");
        ObjectNode apiForm = MAPPER.createObjectNode().put("id", "cm5x9q0a10001exemplo00009")
                .put("status", "DELETED").put("messageType", "conversation");
        apiForm.set("key", key("3A00000000000000DEL3"));

        assertAccepted(webhooks.post(envelope("messages.delete", withStatus)));
        assertAccepted(webhooks.post(envelope("messages.delete", apiForm)));
        awaitCalls(2, "DELETE");

        assertEquals(List.of("DELETE " + MESSAGES_PATH + "/" + first.id(), "DELETE " + MESSAGES_PATH + "/"
                + second.id()), callsExcept("POST", "GET"));
    }

    @Test
    void deleteInMarkModeRepliesToMessage() throws Exception {
        start(Map.of("bridge.lifecycle.delete-mode", "mark"));
        ChatwootMessage posted = postAndAwait(text("3A00000000000000DEL4", "mensagem"));

        assertAccepted(webhooks.post(envelope("messages.delete", key("3A00000000000000DEL4"))));
        ChatwootMessage mark = chatwoot.awaitMessages(2, TIMEOUT).get(1);

        assertEquals("🗑️ This message was deleted on WhatsApp.", mark.content());
        assertEquals(posted.id(), mark.contentAttributes().path("in_reply_to").asLong());
        assertEquals("WAID:3A00000000000000DEL4", mark.contentAttributes().path("in_reply_to_external_id").asText());
        assertEquals("WAID:delete:3A00000000000000DEL4", mark.sourceId());
        assertEquals("mensagem", chatwoot.messages().get(0).content(), "mark mode keeps the original");
        assertEquals(List.of(), callsExcept("POST", "GET"));
    }

    @Test
    void deleteOfUnknownIdIsAcknowledged() throws Exception {
        start(Map.of());

        HttpResponse<String> response = webhooks.post(envelope("messages.delete", key("3A0000000000000NOPE")));
        // A later message proves the deletion record went through delivery before it.
        postAndAwait(text("3A00000000000000AFT1", "depois"));

        assertAccepted(response);
        assertEquals(List.of(), callsExcept("POST", "GET"));
        assertEquals(1, chatwoot.messages().size(), chatwoot.messages().toString());
    }

    @Test
    void deleteBeforeMessageKeepsItUnposted() throws Exception {
        start(Map.of());

        assertAccepted(webhooks.post(envelope("messages.delete", key("3A00000000000000LATE"))));
        assertAccepted(webhooks.post(text("3A00000000000000LATE", "chegou tarde")));
        ChatwootMessage after = postAndAwait(text("3A00000000000000AFT2", "depois"));

        assertEquals(List.of("WAID:3A00000000000000AFT2"), chatwoot.messages().stream()
                .map(ChatwootMessage::sourceId).toList());
        assertEquals("depois", after.content());
        assertEquals(List.of(), callsExcept("POST", "GET"));
    }

    @Test
    void revokeInsideUpsertDeletesMessage() throws Exception {
        start(Map.of());
        ChatwootMessage posted = postAndAwait(text("3A00000000000000DEL5", "enviada por engano"));
        ObjectNode webhook = (ObjectNode) MAPPER.readTree(text("3A00000000000000REV5", "x"));
        ObjectNode message = ((ObjectNode) webhook.path("data")).putObject("message");
        ObjectNode protocol = message.putObject("protocolMessage").put("type", "REVOKE");
        protocol.set("key", key("3A00000000000000DEL5"));
        ((ObjectNode) webhook.path("data")).put("messageType", "protocolMessage");

        assertAccepted(webhooks.post(webhook.toString()));
        awaitCalls(1, "DELETE");

        assertEquals(List.of("DELETE " + MESSAGES_PATH + "/" + posted.id()), callsExcept("POST", "GET"));
    }

    @Test
    void editRepliesWithNewText() throws Exception {
        start(Map.of());
        ChatwootMessage posted = postAndAwait(text("3A00000000000000EDT1", "preço errado"));
        ObjectNode protocol = MAPPER.createObjectNode().put("type", "MESSAGE_EDIT").put("timestampMs", "1736950100000");
        protocol.set("key", key("3A00000000000000EDT1"));
        protocol.putObject("editedMessage").put("conversation", "preço certo");

        assertAccepted(webhooks.post(envelope("messages.edited", protocol)));
        ChatwootMessage edit = chatwoot.awaitMessages(2, TIMEOUT).get(1);

        assertEquals("✏️ Edited on WhatsApp:\npreço certo", edit.content());
        assertEquals("incoming", edit.messageType());
        assertTrue(String.valueOf(edit.sourceId()).startsWith("WAID:edit:3A00000000000000EDT1:"), edit.toString());
        assertEquals(posted.id(), edit.contentAttributes().path("in_reply_to").asLong());
        assertEquals("POST " + MESSAGES_PATH, lastCall());

        awaitStagingEmpty();
        StateStore state = bridge.context().getRegistry().lookupByNameAndType("stateStore", StateStore.class);
        String recordId = edit.sourceId().substring("WAID:".length());
        assertEquals(Optional.of(Long.toString(edit.id())), state.get("message:" + INSTANCE + ":" + recordId),
                "a redelivery finds the reply in the state store");
        assertEquals(Optional.empty(), new MessageMap(state, MAPPER).whatsAppOf(1, edit.id()),
                "the record id is no WhatsApp message, so an agent's quote or deletion cannot refer to it");
    }

    @Test
    void editInsideMessagesUpdateReplies() throws Exception {
        start(Map.of());
        ChatwootMessage posted = postAndAwait(text("3A00000000000000EDT2", "amanhã"));
        ObjectNode data = MAPPER.createObjectNode().put("keyId", "3A00000000000000EDT2").put("remoteJid", CHAT)
                .put("fromMe", false).put("status", "SERVER_ACK");
        ObjectNode protocol = data.putObject("message").putObject("editedMessage").putObject("message")
                .putObject("protocolMessage").put("type", "MESSAGE_EDIT");
        protocol.set("key", key("3A00000000000000EDT2"));
        protocol.putObject("editedMessage").putObject("extendedTextMessage").put("text", "hoje");

        assertAccepted(webhooks.post(envelope("messages.update", data)));
        ChatwootMessage edit = chatwoot.awaitMessages(2, TIMEOUT).get(1);

        assertEquals("✏️ Edited on WhatsApp:\nhoje", edit.content());
        assertEquals(posted.id(), edit.contentAttributes().path("in_reply_to").asLong());
    }

    @Test
    void editWithLostResponseIsPostedOnce() throws Exception {
        start(Map.of("bridge.chatwoot.response-timeout-millis", SHORT_RESPONSE_TIMEOUT_MILLIS));
        postAndAwait(text("3A00000000000000EDT3", "entrega na sexta"));
        // Chatwoot stores the reply but responds after the bridge's response timeout, so the record is redelivered.
        chatwoot.holdResponseAfterStoring("/messages$", RESPONSE_HOLD, 1);

        assertAccepted(webhooks.post(envelope("messages.edited", edit(key("3A00000000000000EDT3"),
                "entrega no sábado"))));
        awaitStagingEmpty();

        List<ChatwootMessage> edits = chatwoot.messages().stream()
                .filter(message -> message.content().startsWith("✏️ Edited on WhatsApp:")).toList();
        assertEquals(1, edits.size(), "exactly one edit reply: " + chatwoot.messages());
        assertTrue(String.valueOf(edits.get(0).sourceId()).startsWith("WAID:edit:3A00000000000000EDT3:"),
                edits.get(0).toString());
        // The held POST is recorded only once its response is sent, so the calls show the search alone.
        assertEquals(1, Collections.frequency(methodsOn(MESSAGES_PATH), "GET"),
                "the redelivery searched the conversation's messages: " + chatwoot.requests());
        assertEquals(0, recordFiles("dead"), "nothing dead-lettered");
    }

    @Test
    void fromMeEditReplyIsNotSentBack() throws Exception {
        evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evolution")), EVOLUTION_KEY)
                .addInstance(INSTANCE)
                .start();
        start(Map.of("bridge.evolution.url", evolution.baseUrl(), "bridge.evolution.api-key", EVOLUTION_KEY,
                "bridge.reply.default-instance", INSTANCE, "bridge.chatwoot.webhook-token", HOOK_TOKEN));
        postAndAwait(sentFromPhone("3A00000000000000EDT5", "o total é R$ 90"));
        ObjectNode fromMeKey = key("3A00000000000000EDT5").put("fromMe", true);

        assertAccepted(webhooks.post(envelope("messages.edited", edit(fromMeKey, "o total é R$ 95"))));
        ChatwootMessage reply = chatwoot.awaitMessages(2, TIMEOUT).get(1);
        // Chatwoot sends every outgoing message it stores to the webhook, the bridge's own posts included.
        HttpResponse<String> response = new ChatwootWebhookClient(bridge.baseUrl() + "/webhook/chatwoot")
                .post("/token/" + HOOK_TOKEN, messageCreated(reply).toString());
        Thread.sleep(1000);

        assertEquals("outgoing", reply.messageType());
        JsonNode answer = MAPPER.readTree(response.body());
        assertEquals("ignored", answer.path("status").asText(), response.body());
        assertEquals("message came from WhatsApp", answer.path("message").asText(), response.body());
        assertEquals(List.of(), evolution.sendRequests(), "nothing sent to WhatsApp");
    }

    @Test
    void readReceiptUpdatesContactLastSeen() throws Exception {
        start(Map.of());
        ChatwootMessage incoming = postAndAwait(text("3A00000000000000RD01", "oi"));
        // The state store entry the reply route writes after EvolutionAPI accepted an agent's reply.
        new MessageMap(bridge.context().getRegistry().lookupByNameAndType("stateStore", StateStore.class), MAPPER)
                .recordSent(1, 99, INSTANCE, CHAT, "BAE5000000000000RD02", Duration.ofMinutes(5));
        ObjectNode read = MAPPER.createObjectNode().put("keyId", "BAE5000000000000RD02").put("remoteJid", CHAT)
                .put("fromMe", true).put("status", "READ");
        ObjectNode notOurs = read.deepCopy().put("keyId", "BAE5000000000000RD03");

        assertAccepted(webhooks.post(envelope("messages.update", read)));
        HttpResponse<String> ignored = webhooks.post(envelope("messages.update", notOurs));
        awaitCalls(1, "POST /public");

        String sourceId = chatwoot.conversations().get(0).contactInboxSourceId();
        String identifier = chatwoot.requests().stream().filter(request -> request.path().startsWith("/public"))
                .findFirst().orElseThrow().path().split("/")[5];
        assertEquals(List.of("POST /public/api/v1/inboxes/" + identifier + "/contacts/" + sourceId
                + "/conversations/" + incoming.conversationDisplayId() + "/update_last_seen"),
                callsExcept("GET").stream().filter(call -> call.contains("/public/")).toList());
        assertEquals(200, chatwoot.requests().stream().filter(request -> request.path().startsWith("/public"))
                .findFirst().orElseThrow().status());
        assertEquals("ignored", MAPPER.readTree(ignored.body()).path("status").asText(), ignored.body());
    }

    @Test
    void readStatusUpdateIsIgnored() throws Exception {
        start(Map.of());

        HttpResponse<String> response = webhooks.post(WebhookToChatwootTest.fixture("messages-update-read.json"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("ignored", MAPPER.readTree(response.body()).path("status").asText(), response.body());
    }

    @Test
    void reactionRepliesAndRemovalSaysSo() throws Exception {
        start(Map.of());
        ChatwootMessage posted = postAndAwait(text("3A00000000000000RCT1", "obrigado"));

        assertAccepted(webhooks.post(reaction("3A00000000000000RCA1", "3A00000000000000RCT1", "👍")));
        assertAccepted(webhooks.post(reaction("3A00000000000000RCA2", "3A00000000000000RCT1", "")));
        List<ChatwootMessage> messages = chatwoot.awaitMessages(3, TIMEOUT);

        assertEquals("Reacted 👍", messages.get(1).content());
        assertEquals(posted.id(), messages.get(1).contentAttributes().path("in_reply_to").asLong());
        assertEquals("WAID:3A00000000000000RCA1", messages.get(1).sourceId());
        assertEquals("Removed the reaction", messages.get(2).content());
        assertEquals(posted.id(), messages.get(2).contentAttributes().path("in_reply_to").asLong());
        assertEquals("WAID:3A00000000000000RCA2", messages.get(2).sourceId());
    }

    @Test
    void connectionCloseTurnsReadinessDown() throws Exception {
        start(Map.of("bridge.lifecycle.status-conversation", "true"));
        ManagementClient management = new ManagementClient(bridge.managementPort());

        assertAccepted(webhooks.post(connection("close", 401)));
        JsonNode down = management.awaitCheck("whatsapp-connection", ManagementClient.state("DOWN"), TIMEOUT);
        ChatwootMessage note = chatwoot.awaitMessages(1, TIMEOUT).get(0);
        PrometheusScrape closed = PrometheusScrape.parse(management.get("/observe/metrics").body());

        assertTrue(down.path("message").asText().contains("close"), down.toString());
        assertTrue(down.path("message").asText().contains("401"), down.toString());
        assertEquals(-1, closed.valueOrZero("bridge_whatsapp_connection", Map.of("instance", INSTANCE)),
                closed.toString());
        assertTrue(note.privateNote(), note.toString());
        assertTrue(note.content().contains("disconnected"), note.content());
        assertTrue(String.valueOf(note.sourceId()).startsWith("WAID:connection:close:"), note.toString());
        assertEquals(INSTANCE, chatwoot.contacts().get(0).name());

        assertAccepted(webhooks.post(connection("open", 200)));
        management.awaitCheck("whatsapp-connection", ManagementClient.state("UP"), TIMEOUT);
        PrometheusScrape open = PrometheusScrape.parse(management.get("/observe/metrics").body());
        assertEquals(1, open.valueOrZero("bridge_whatsapp_connection", Map.of("instance", INSTANCE)),
                open.toString());
        assertTrue(chatwoot.awaitMessages(2, TIMEOUT).get(1).content().contains("is connected"));
    }

    @Test
    void connectionNoteWithLostResponseIsPostedOnce() throws Exception {
        start(Map.of("bridge.lifecycle.status-conversation", "true",
                "bridge.chatwoot.response-timeout-millis", SHORT_RESPONSE_TIMEOUT_MILLIS));
        chatwoot.holdResponseAfterStoring("/messages$", RESPONSE_HOLD, 1);

        assertAccepted(webhooks.post(connection("close", 401)));
        awaitStagingEmpty();

        List<ChatwootMessage> notes = chatwoot.messages();
        assertEquals(1, notes.size(), "exactly one note: " + notes);
        assertTrue(String.valueOf(notes.get(0).sourceId()).startsWith("WAID:connection:close:"),
                notes.get(0).toString());
        String notesPath = "/api/v1/accounts/1/conversations/" + notes.get(0).conversationDisplayId() + "/messages";
        assertEquals(1, Collections.frequency(methodsOn(notesPath), "GET"),
                "the redelivery searched the conversation's messages: " + chatwoot.requests());
        assertEquals(0, recordFiles("dead"), "nothing dead-lettered");
    }

    @Test
    void connectionUpdateWithoutStatusConversationPostsNothing() throws Exception {
        start(Map.of());
        ManagementClient management = new ManagementClient(bridge.managementPort());

        HttpResponse<String> response = webhooks.post(WebhookToChatwootTest.fixture("connection-update.json"));
        JsonNode up = management.awaitCheck("whatsapp-connection",
                check -> "open".equals(check.path("data").path("instance." + INSTANCE + ".state").asText()),
                TIMEOUT);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("UP", up.path("status").asText(), up.toString());
        assertEquals(List.of(), chatwoot.messages());
        assertFalse(chatwoot.requests().stream().anyMatch(request -> request.path().contains("/contacts")),
                chatwoot.requests().toString());
    }

    @Test
    void resolvedConversationIsReopened() throws Exception {
        start(Map.of("bridge.lifecycle.resolved-conversation", "reopen", "bridge.chatwoot.webhook-token", HOOK_TOKEN));
        ChatwootMessage first = postAndAwait(text("3A00000000000000RES1", "primeira"));
        chatwoot.setConversationStatus(1, first.conversationDisplayId(), "resolved");

        assertEquals(200, statusChanged(first.conversationDisplayId()).statusCode());
        ChatwootMessage second = postAndAwait(text("3A00000000000000RES2", "voltei"));

        assertEquals(first.conversationDisplayId(), second.conversationDisplayId(), "the resolved one is reused");
        assertEquals("open", chatwoot.conversations().get(0).status());
        assertEquals(1, chatwoot.conversations().size(), chatwoot.conversations().toString());
        assertEquals(List.of("POST /api/v1/accounts/1/conversations/" + first.conversationDisplayId()
                + "/toggle_status"), chatwoot.requests().stream()
                .filter(request -> request.path().endsWith("/toggle_status"))
                .map(request -> request.method() + " " + request.path()).toList());
    }

    @Test
    void resolvedConversationStartsNewOne() throws Exception {
        start(Map.of("bridge.chatwoot.webhook-token", HOOK_TOKEN));
        ChatwootMessage first = postAndAwait(text("3A00000000000000RES3", "primeira"));
        chatwoot.setConversationStatus(1, first.conversationDisplayId(), "resolved");

        assertEquals(200, statusChanged(first.conversationDisplayId()).statusCode());
        ChatwootMessage second = postAndAwait(text("3A00000000000000RES4", "voltei"));

        assertTrue(second.conversationDisplayId() != first.conversationDisplayId(),
                "a new conversation after the resolved one: " + chatwoot.conversations());
        assertEquals(2, chatwoot.conversations().size(), chatwoot.conversations().toString());
        assertFalse(chatwoot.requests().stream().anyMatch(request -> request.path().endsWith("/toggle_status")),
                chatwoot.requests().toString());
    }

    private void start(Map<String, String> overrides) throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.putAll(overrides);
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    /** Sends Chatwoot's conversation_status_changed fixture for the conversation to the bridge. */
    private HttpResponse<String> statusChanged(long conversationDisplayId) throws Exception {
        ObjectNode event = (ObjectNode) MAPPER.readTree(WebhookToChatwootTest.class.getResourceAsStream(
                "/fixtures/chatwoot/conversation-status-changed-resolved.json"));
        event.put("id", conversationDisplayId);
        HttpResponse<String> response = new ChatwootWebhookClient(bridge.baseUrl() + "/webhook/chatwoot")
                .post("/token/" + HOOK_TOKEN, event.toString());
        assertEquals("ignored", MAPPER.readTree(response.body()).path("status").asText(), response.body());
        return response;
    }

    private ChatwootMessage postAndAwait(String webhook) throws Exception {
        int before = chatwoot.messages().size();
        assertAccepted(webhooks.post(webhook));
        return chatwoot.awaitMessages(before + 1, TIMEOUT).get(before);
    }

    private ChatwootMessage awaitMessage(Predicate<ChatwootMessage> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            for (ChatwootMessage message : chatwoot.messages()) {
                if (condition.test(message)) {
                    return message;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no Chatwoot message matched within " + TIMEOUT + ": " + chatwoot.messages());
    }

    private void awaitCalls(int count, String method) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (callsExcept("GET").stream().filter(call -> call.startsWith(method)).count() < count) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(count + " " + method + " calls expected within " + TIMEOUT + ": "
                        + chatwoot.requests());
            }
            Thread.sleep(50);
        }
    }

    /** Returns "METHOD path" of every Chatwoot call whose method is not one of {@code skipped}. */
    private List<String> callsExcept(String... skipped) {
        List<String> skip = List.of(skipped);
        return chatwoot.requests().stream()
                .filter(request -> !skip.contains(request.method()))
                .map(request -> request.method() + " " + request.path())
                .toList();
    }

    /** Returns the methods of the Chatwoot calls to {@code path}, in the order they arrived. */
    private List<String> methodsOn(String path) {
        return chatwoot.requests().stream()
                .filter(request -> request.path().equals(path))
                .map(RecordedRequest::method)
                .toList();
    }

    /** Waits until the staging area's inbox/ and work/ are empty, so every record is delivered or dead-lettered. */
    private void awaitStagingEmpty() throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (recordFiles("inbox") + recordFiles("work") > 0) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("staged records left after " + TIMEOUT + ". Chatwoot calls: "
                        + chatwoot.requests());
            }
            Thread.sleep(50);
        }
    }

    private long recordFiles(String stagingFolder) throws IOException {
        Path folder = bridge.dataDir().resolve("staging").resolve(stagingFolder);
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (var files = Files.list(folder)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".json")).count();
        }
    }

    private String lastCall() {
        List<RecordedRequest> requests = chatwoot.requests();
        RecordedRequest last = requests.get(requests.size() - 1);
        return last.method() + " " + last.path();
    }

    private static void assertAccepted(HttpResponse<String> response) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("accepted", MAPPER.readTree(response.body()).path("status").asText(), response.body());
    }

    private static String text(String id, String content) throws Exception {
        ObjectNode webhook = (ObjectNode) MAPPER.readTree(WebhookToChatwootTest.fixture("messages-upsert-text.json"));
        ObjectNode data = (ObjectNode) webhook.path("data");
        ((ObjectNode) data.path("key")).put("id", id);
        ((ObjectNode) data.path("message")).put("conversation", content);
        return webhook.toString();
    }

    /** Returns a text message sent from the business phone, which Chatwoot shows as outgoing. */
    private static String sentFromPhone(String id, String content) throws Exception {
        ObjectNode webhook = (ObjectNode) MAPPER.readTree(text(id, content));
        ((ObjectNode) webhook.path("data").path("key")).put("fromMe", true);
        return webhook.toString();
    }

    /** Returns the MESSAGE_EDIT protocolMessage of {@code messages.edited} that sets the message's new text. */
    private static ObjectNode edit(ObjectNode key, String newText) {
        ObjectNode protocol = MAPPER.createObjectNode().put("type", "MESSAGE_EDIT")
                .put("timestampMs", "1736950100000");
        protocol.set("key", key);
        protocol.putObject("editedMessage").put("conversation", newText);
        return protocol;
    }

    /** Returns Chatwoot's {@code message_created} webhook for a message the stand-in stored. */
    private static ObjectNode messageCreated(ChatwootMessage message) throws IOException {
        ObjectNode event;
        try (InputStream in = ConversationLifecycleTest.class.getResourceAsStream(
                "/fixtures/chatwoot/message-created-outgoing-attachment.json")) {
            event = (ObjectNode) MAPPER.readTree(in);
        }
        event.put("id", message.id());
        event.put("content", message.content());
        event.put("message_type", message.messageType());
        event.put("private", message.privateNote());
        event.put("source_id", message.sourceId());
        event.set("content_attributes", message.contentAttributes());
        event.remove("attachments");
        ObjectNode conversation = (ObjectNode) event.path("conversation");
        conversation.put("id", message.conversationDisplayId());
        conversation.remove("messages");
        return event;
    }

    private static String reaction(String id, String targetId, String emoji) throws Exception {
        ObjectNode webhook = (ObjectNode) MAPPER.readTree(WebhookToChatwootTest.fixture("messages-upsert-text.json"));
        ObjectNode data = (ObjectNode) webhook.path("data");
        ((ObjectNode) data.path("key")).put("id", id);
        ObjectNode message = data.putObject("message");
        ObjectNode reaction = message.putObject("reactionMessage").put("text", emoji)
                .put("senderTimestampMs", "1736950200000");
        reaction.set("key", key(targetId));
        data.put("messageType", "reactionMessage");
        return webhook.toString();
    }

    private static ObjectNode key(String id) {
        return MAPPER.createObjectNode().put("remoteJid", CHAT).put("fromMe", false).put("id", id);
    }

    private static String connection(String state, int statusReason) {
        ObjectNode data = MAPPER.createObjectNode().put("instance", INSTANCE).put("state", state)
                .put("statusReason", statusReason);
        return envelope("connection.update", data);
    }

    private static String envelope(String event, JsonNode data) {
        ObjectNode webhook = MAPPER.createObjectNode().put("event", event).put("instance", INSTANCE);
        webhook.set("data", data);
        webhook.put("date_time", "2025-01-15T11:30:00.000Z").put("sender", "5511900000000@s.whatsapp.net");
        return webhook.toString();
    }
}
