package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.ChatwootWebhookClient;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.EvolutionStandIn;
import org.ecbridge.testsupport.TestRedis;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the real routes with {@code bridge.lifecycle.mark-read=true} and checks that a customer's WhatsApp
 * messages are marked read through EvolutionAPI's {@code markMessageAsRead} exactly when an agent has seen them in
 * Chatwoot: when the conversation's {@code agent_last_seen_at} (set by the Chatwoot stand-in as its dashboard
 * would) or an agent's reply is not older than the message.
 */
class AgentReadReceiptTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String EVOLUTION_KEY = "evolution-test-key";
    private static final String HOOK_TOKEN = "chatwoot-hook-token";
    private static final String INSTANCE = "atendimento-exemplo";
    private static final String CHAT = "5511900000001@s.whatsapp.net";
    private static final String MARK_READ_PATH = "/chat/markMessageAsRead/" + INSTANCE;
    private static final String CONVERSATION_PATH = "/api/v1/accounts/1/conversations/1";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EvolutionStandIn evolution;
    private EmbeddedBridge bridge;
    private WebhookClient webhooks;
    private TestRedis redis;

    @AfterEach
    void stopServers() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (redis != null) {
            redis.close();
        }
        evolution.close();
        chatwoot.close();
    }

    @Test
    void agentViewMarksEarlierMessagesRead() throws Exception {
        start(properties -> { });
        ChatwootMessage first = post("3A0000000000000READ1", "bom dia");
        post("3A0000000000000READ2", "tem o orçamento?");
        int callsBefore = chatwoot.requests().size();
        waitForNextSecond();

        chatwoot.agentReads(1, first.conversationDisplayId());
        EvolutionStandIn.SendRequest marked = awaitMarkRequests(1).get(0);

        assertEquals(201, marked.status());
        assertEquals(INSTANCE, marked.instance());
        assertEquals(Set.of(key("3A0000000000000READ1"), key("3A0000000000000READ2")), keys(marked));
        List<String> calls = chatwoot.requests().subList(callsBefore, chatwoot.requests().size()).stream()
                .map(request -> request.method() + " " + request.path()).distinct().toList();
        assertEquals(List.of("GET " + CONVERSATION_PATH), calls, "Chatwoot is only read, for agent_last_seen_at");
        assertTrue(evolution.sendViolations().isEmpty(), evolution.sendViolations().toString());
    }

    @Test
    void messageAfterAgentViewWaitsForNextView() throws Exception {
        start(properties -> { });
        ChatwootMessage first = post("3A0000000000000READ3", "oi");
        waitForNextSecond();
        chatwoot.agentReads(1, first.conversationDisplayId());
        awaitMarkRequests(1);
        waitForNextSecond();

        post("3A0000000000000READ4", "ainda está aí?");
        Thread.sleep(1500);
        assertEquals(1, markRequests().size(), "not seen yet: " + markRequests());
        waitForNextSecond();
        chatwoot.agentReads(1, first.conversationDisplayId());
        List<EvolutionStandIn.SendRequest> marked = awaitMarkRequests(2);

        assertEquals(Set.of(key("3A0000000000000READ4")), keys(marked.get(1)));
    }

    @Test
    void agentReplyMarksEarlierMessagesRead() throws Exception {
        start(properties -> { });
        ChatwootMessage incoming = post("3A0000000000000READ5", "preciso de ajuda");
        waitForNextSecond();

        HttpResponse<String> response = new ChatwootWebhookClient(bridge.baseUrl() + "/webhook/chatwoot")
                .post("/token/" + HOOK_TOKEN, agentReply(incoming.conversationDisplayId(), "Claro!").toString());
        assertEquals(200, response.statusCode(), response.body());
        EvolutionStandIn.SendRequest marked = awaitMarkRequests(1).get(0);

        // The stand-in's agent_last_seen_at stays 0 here, so only the reply's created_at can have marked it.
        assertEquals(Set.of(key("3A0000000000000READ5")), keys(marked));
        assertTrue(evolution.awaitSendRequests(2, TIMEOUT).stream().anyMatch(request -> request.action()
                .equals("sendText")), "the reply itself is sent too: " + evolution.sendRequests());
    }

    @Test
    void failedMarkIsRetried() throws Exception {
        start(properties -> { });
        evolution.failNext("POST", MARK_READ_PATH, 503, 1);
        ChatwootMessage incoming = post("3A0000000000000READ6", "alô");
        waitForNextSecond();

        chatwoot.agentReads(1, incoming.conversationDisplayId());
        long attempts = awaitAttempts(2);

        assertEquals(2, attempts, "one 503, then one success: " + evolution.requests());
        List<EvolutionStandIn.SendRequest> marked = awaitMarkRequests(1);
        assertEquals(201, marked.get(0).status());
        assertEquals(Set.of(key("3A0000000000000READ6")), keys(marked.get(0)));
    }

    @Test
    void agentViewMarksReadWithRedis() throws Exception {
        redis = new TestRedis();
        start(properties -> properties.putAll(redis.bridgeProperties(Duration.ofSeconds(2))));
        ChatwootMessage first = post("3A0000000000000READ7", "olá");
        waitForNextSecond();

        chatwoot.agentReads(1, first.conversationDisplayId());
        EvolutionStandIn.SendRequest marked = awaitMarkRequests(1).get(0);

        assertEquals(Set.of(key("3A0000000000000READ7")), keys(marked));
        assertTrue(redis.entries().keySet().stream().noneMatch(key -> key.startsWith("unread:")),
                "nothing left unread in Redis: " + redis.entries());
    }

    @Test
    void markReadOffSendsNothing() throws Exception {
        start(properties -> properties.put("bridge.lifecycle.mark-read", "false"));
        ChatwootMessage incoming = post("3A0000000000000READ8", "oi");
        waitForNextSecond();

        chatwoot.agentReads(1, incoming.conversationDisplayId());
        Thread.sleep(1500);

        assertEquals(List.of(), markRequests());
        assertTrue(chatwoot.requests().stream().noneMatch(request -> request.path().equals(CONVERSATION_PATH)),
                chatwoot.requests().toString());
    }

    @Test
    void markReadWithoutApiKeyStopsStartup() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp").start();
        evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evolution")), EVOLUTION_KEY)
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.lifecycle.mark-read", "true");

        Exception failure = assertThrows(Exception.class, () -> EmbeddedBridge.start(properties));

        String messages = causes(failure);
        assertTrue(messages.contains("BRIDGE_EVOLUTION_API_KEY"), messages);
    }

    private void start(Consumer<Map<String, String>> overrides) throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp")
                .start();
        evolution = new EvolutionStandIn(Files.createDirectories(tempDir.resolve("evolution")), EVOLUTION_KEY)
                .addInstance(INSTANCE)
                .start();
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.evolution.url", evolution.baseUrl());
        properties.put("bridge.evolution.api-key", EVOLUTION_KEY);
        properties.put("bridge.reply.default-instance", INSTANCE);
        properties.put("bridge.chatwoot.webhook-token", HOOK_TOKEN);
        properties.put("bridge.reply.poll-delay-millis", "50");
        properties.put("bridge.lifecycle.mark-read", "true");
        properties.put("bridge.lifecycle.mark-read-poll-millis", "100");
        properties.put("bridge.lifecycle.mark-read-max-check-interval-seconds", "1");
        overrides.accept(properties);
        bridge = EmbeddedBridge.start(properties);
        webhooks = new WebhookClient(bridge.webhookUrl());
    }

    /** Sends a customer's text in EvolutionAPI's messages.upsert shape and waits for it in Chatwoot. */
    private ChatwootMessage post(String id, String content) throws Exception {
        ObjectNode webhook = (ObjectNode) MAPPER.readTree(WebhookToChatwootTest.fixture("messages-upsert-text.json"));
        ObjectNode data = (ObjectNode) webhook.path("data");
        ((ObjectNode) data.path("key")).put("id", id);
        ((ObjectNode) data.path("message")).put("conversation", content);
        int before = chatwoot.messages().size();

        HttpResponse<String> response = webhooks.post(webhook.toString());
        assertEquals(200, response.statusCode(), response.body());
        return chatwoot.awaitMessages(before + 1, TIMEOUT).get(before);
    }

    /** Returns an agent's reply in Chatwoot's message_created shape, created now. */
    private static ObjectNode agentReply(long conversationDisplayId, String content) throws Exception {
        ObjectNode event = (ObjectNode) MAPPER.readTree(AgentReadReceiptTest.class.getResourceAsStream(
                "/fixtures/chatwoot/message-created-outgoing-attachment.json"));
        event.put("id", 9001);
        event.put("content", content);
        event.remove("attachments");
        event.put("created_at", Instant.now().toString());
        event.with("conversation").put("id", conversationDisplayId);
        return event;
    }

    /** Sleeps past the next whole second, because Chatwoot's timestamps are whole seconds. */
    private static void waitForNextSecond() throws InterruptedException {
        Thread.sleep(1100 - Instant.now().toEpochMilli() % 1000);
    }

    private List<EvolutionStandIn.SendRequest> markRequests() {
        return evolution.sendRequests().stream().filter(request -> request.action().equals("markMessageAsRead"))
                .filter(request -> request.status() == 201).toList();
    }

    private List<EvolutionStandIn.SendRequest> awaitMarkRequests(int count) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (markRequests().size() < count) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(count + " markMessageAsRead requests expected within " + TIMEOUT + ": "
                        + evolution.sendRequests() + "\nviolations: " + evolution.sendViolations());
            }
            Thread.sleep(50);
        }
        return markRequests();
    }

    private long awaitAttempts(int count) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            long attempts = evolution.requests().stream()
                    .filter(request -> request.path().equals(MARK_READ_PATH)).count();
            if (attempts >= count) {
                return attempts;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(count + " markMessageAsRead attempts expected: " + evolution.requests());
    }

    private static Set<JsonNode> keys(EvolutionStandIn.SendRequest request) {
        Set<JsonNode> keys = new HashSet<>();
        request.body().path("readMessages").forEach(keys::add);
        assertEquals(request.body().path("readMessages").size(), keys.size(), "no key twice: " + request.body());
        return keys;
    }

    private static JsonNode key(String id) {
        return MAPPER.createObjectNode().put("remoteJid", CHAT).put("fromMe", false).put("id", id);
    }

    private static String causes(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.append(cause.getMessage()).append('\n');
        }
        return messages.toString();
    }
}
