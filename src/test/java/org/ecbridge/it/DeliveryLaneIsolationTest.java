package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.ecbridge.staging.DeliveryLanes;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.testsupport.ChatwootMessage;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery lanes: a chat whose messages Chatwoot keeps failing holds up only its own lane, every chat's messages
 * arrive in the order they were sent, and records named as before lanes existed are still delivered.
 */
class DeliveryLaneIsolationTest {

    private static final String CHATWOOT_TOKEN = "chatwoot-test-token";
    private static final String INSTANCE = "atendimento-exemplo";
    private static final String FAILING_PHONE = "5511900000001";
    private static final int LANES = 4;
    /** Failed message creates of the failing chat; the 6th attempt, after 1 + 2 + 4 + 4 + 4 s of backoff, passes. */
    private static final int FAILURES = 5;
    private static final Duration PROMPT = Duration.ofSeconds(8);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tempDir;

    private ChatwootStandIn chatwoot;
    private EmbeddedBridge bridge;

    @BeforeEach
    void startChatwoot() throws Exception {
        chatwoot = new ChatwootStandIn(Files.createDirectories(tempDir.resolve("chatwoot")), CHATWOOT_TOKEN)
                .addInbox(7, "WhatsApp").start();
    }

    @AfterEach
    void stopServers() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        chatwoot.close();
    }

    @Test
    void failingChatDoesNotDelayOtherChats() throws Exception {
        String otherPhone = phoneInOtherLane(FAILING_PHONE);
        Map<String, String> properties = EmbeddedBridge.defaults(tempDir.resolve("data"), chatwoot.baseUrl(),
                CHATWOOT_TOKEN);
        properties.put("bridge.delivery.lanes", Integer.toString(LANES));
        // Backoff of 1, 2, 4, 4, 4 s: the failing chat's first message needs about 15 s to get through.
        properties.put("bridge.delivery.redelivery-delay-millis", "1000");
        properties.put("bridge.delivery.max-redelivery-delay-millis", "4000");
        bridge = EmbeddedBridge.start(properties);
        WebhookClient webhooks = new WebhookClient(bridge.webhookUrl());
        post(webhooks, "LANEA0", FAILING_PHONE);
        post(webhooks, "LANEB0", otherPhone);
        chatwoot.awaitMessages(2, TIMEOUT);
        long failingConversation = conversationOf("WAID:LANEA0");
        chatwoot.failNext("POST", "/conversations/" + failingConversation + "/messages$", 500, FAILURES);

        post(webhooks, "LANEA1", FAILING_PHONE);
        post(webhooks, "LANEA2", FAILING_PHONE);
        post(webhooks, "LANEB1", otherPhone);
        post(webhooks, "LANEB2", otherPhone);
        post(webhooks, "LANEB3", otherPhone);
        long otherChatStagedAt = System.nanoTime();
        List<ChatwootMessage> otherChat = awaitConversationMessages(conversationOf("WAID:LANEB0"), 4, PROMPT);
        Duration otherChatDelivery = Duration.ofNanos(System.nanoTime() - otherChatStagedAt);
        List<String> failingChatMeanwhile = sourceIds(failingConversation);
        List<ChatwootMessage> failingChat = awaitConversationMessages(failingConversation, 3, TIMEOUT);

        assertTrue(otherChatDelivery.compareTo(PROMPT) < 0, "the other chat took " + otherChatDelivery);
        assertEquals(List.of("WAID:LANEA0"), failingChatMeanwhile,
                "the failing chat's messages were still being retried when the other chat's had arrived");
        assertEquals(List.of("WAID:LANEB0", "WAID:LANEB1", "WAID:LANEB2", "WAID:LANEB3"),
                otherChat.stream().map(ChatwootMessage::sourceId).collect(Collectors.toList()));
        assertEquals(List.of("WAID:LANEA0", "WAID:LANEA1", "WAID:LANEA2"),
                failingChat.stream().map(ChatwootMessage::sourceId).collect(Collectors.toList()));
        assertEquals(0, CrashRecoveryTest.countFiles(bridge.dataDir().resolve("staging/dead")), "no dead letters");
        for (int lane = 0; lane < LANES; lane++) {
            assertNotNull(bridge.context().getRoute("chatwoot-delivery-" + lane), "route chatwoot-delivery-" + lane);
        }
    }

    @Test
    void recordsWithoutChatKeyAreDelivered() throws Exception {
        Path data = tempDir.resolve("data");
        StagingArea staging = new StagingArea(data.resolve("staging"), new ObjectMapper());
        staging.createFolders();
        // Named as before delivery lanes: in the inbox, and in work/ as a process that stopped mid-delivery left it.
        StagedMessage inInbox = record(staging, "LEGACY1", FAILING_PHONE);
        staging.writeRecord(staging.inbox().resolve(inInbox.itemId + ".json"), inInbox);
        StagedMessage inWork = record(staging, "LEGACY2", FAILING_PHONE);
        staging.writeRecord(staging.work().resolve(inWork.itemId + ".json"), inWork);
        // Named for lanes, and left in work/ by a process that ran with a different number of lanes.
        StagedMessage laned = record(staging, "LANED1", phoneInOtherLane(FAILING_PHONE));
        staging.writeRecord(staging.work().resolve(DeliveryLanes.recordFileName(laned)), laned);
        Map<String, String> properties = EmbeddedBridge.defaults(data, chatwoot.baseUrl(), CHATWOOT_TOKEN);
        properties.put("bridge.delivery.lanes", "3");

        bridge = EmbeddedBridge.start(properties);
        List<ChatwootMessage> messages = chatwoot.awaitMessages(3, TIMEOUT);

        assertEquals(List.of("WAID:LANED1", "WAID:LEGACY1", "WAID:LEGACY2"),
                messages.stream().map(ChatwootMessage::sourceId).sorted().collect(Collectors.toList()));
        assertEquals(List.of("WAID:LEGACY1", "WAID:LEGACY2"), messages.stream().map(ChatwootMessage::sourceId)
                .filter(id -> id.startsWith("WAID:LEGACY")).collect(Collectors.toList()), "order within the chat");
        assertEquals(0, CrashRecoveryTest.countFiles(staging.inbox()), "inbox drained");
        assertEquals(0, CrashRecoveryTest.countFiles(staging.work()), "work drained");
    }

    @Test
    void deliveredRecordLeftByCrashIsNotRedelivered() throws Exception {
        Path data = tempDir.resolve("data");
        StagingArea staging = new StagingArea(data.resolve("staging"), new ObjectMapper());
        staging.createFolders();
        // A process killed after it posted a document and deleted its media, but before it deleted the record.
        StagedMessage delivered = record(staging, "DELIVERED1", FAILING_PHONE);
        delivered.media = new StagedMessage.Media();
        delivered.media.kind = "document";
        delivered.media.file = delivered.itemId + ".media";
        delivered.postAttempts = 1;
        delivered.delivered = true;
        staging.writeRecord(staging.work().resolve(DeliveryLanes.recordFileName(delivered)), delivered);
        StagedMessage next = record(staging, "AFTER1", FAILING_PHONE);
        staging.writeRecord(staging.inbox().resolve(DeliveryLanes.recordFileName(next)), next);

        bridge = EmbeddedBridge.start(EmbeddedBridge.defaults(data, chatwoot.baseUrl(), CHATWOOT_TOKEN));
        List<ChatwootMessage> messages = chatwoot.awaitMessages(1, TIMEOUT);
        Thread.sleep(1000);

        assertEquals(List.of("WAID:AFTER1"), chatwoot.messages().stream().map(ChatwootMessage::sourceId).toList());
        assertEquals("WAID:AFTER1", messages.get(0).sourceId());
        assertEquals(0, CrashRecoveryTest.countFiles(staging.work()), "work drained");
        assertEquals(0, CrashRecoveryTest.countFiles(data.resolve("staging/dead")), "nothing dead-lettered");
    }

    /** Returns a phone number whose chat falls into another lane than {@code phone}'s with {@link #LANES} lanes. */
    private static String phoneInOtherLane(String phone) {
        int lane = laneOf(phone);
        for (int candidate = 2; candidate < 100; candidate++) {
            String other = String.format("55119%08d", candidate);
            if (laneOf(other) != lane) {
                return other;
            }
        }
        throw new AssertionError("no phone number in another lane than " + phone);
    }

    private static int laneOf(String phone) {
        String chatKey = DeliveryLanes.chatKey(INSTANCE, phone + "@s.whatsapp.net");
        return DeliveryLanes.laneOf("item." + chatKey + ".json", LANES);
    }

    private static void post(WebhookClient webhooks, String messageId, String phone) throws Exception {
        String body = RedisOutageTest.text(messageId, "mensagem " + messageId).replace("5511900000001", phone);
        assertEquals(200, webhooks.post(body).statusCode(), "webhook " + messageId);
    }

    private static StagedMessage record(StagingArea staging, String messageId, String phone) {
        StagedMessage record = new StagedMessage();
        record.itemId = staging.newItemId();
        record.event = "messages.upsert";
        record.instance = INSTANCE;
        record.messageId = messageId;
        record.remoteJid = phone + "@s.whatsapp.net";
        record.pushName = "Cliente Exemplo";
        record.messageType = "conversation";
        record.messageTimestampSeconds = 1736950000L;
        record.text = "mensagem " + messageId;
        record.receivedAtMillis = System.currentTimeMillis();
        return record;
    }

    private long conversationOf(String sourceId) {
        return chatwoot.messages().stream().filter(message -> sourceId.equals(message.sourceId())).findFirst()
                .orElseThrow(() -> new AssertionError("no message " + sourceId + " in Chatwoot"))
                .conversationDisplayId();
    }

    private List<String> sourceIds(long conversation) {
        return chatwoot.messages().stream().filter(message -> message.conversationDisplayId() == conversation)
                .map(ChatwootMessage::sourceId).collect(Collectors.toList());
    }

    private List<ChatwootMessage> awaitConversationMessages(long conversation, int count, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ChatwootMessage> messages = chatwoot.messages().stream()
                    .filter(message -> message.conversationDisplayId() == conversation)
                    .collect(Collectors.toList());
            if (messages.size() >= count || System.nanoTime() > deadline) {
                return messages;
            }
            Thread.sleep(50);
        }
    }
}
