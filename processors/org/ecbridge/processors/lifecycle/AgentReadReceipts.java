package org.ecbridge.processors.lifecycle;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.reply.EvolutionMessages;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.state.MessageMap;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks customers' WhatsApp messages read (EvolutionAPI {@code POST /chat/markMessageAsRead/{instance}}) once an
 * agent has seen them in Chatwoot. Chatwoot sends no webhook when an agent opens a conversation, because it
 * stores {@code agent_last_seen_at} without callbacks, so the {@code lifecycle-mark-read} route polls the
 * conversations that have unread messages. Kept in the state store:
 *
 * <ul>
 *   <li>{@code unread:<account>:<conversation>}, a scored set of the Chatwoot ids of incoming messages not marked
 *       read yet, scored by their Chatwoot {@code created_at} in epoch seconds;</li>
 *   <li>{@code unread-conversations:<account>}, a scored set of those conversations, scored by the epoch
 *       milliseconds at which they are due for a check;</li>
 *   <li>{@code agent-seen:<account>:<conversation>}, the latest time in epoch seconds at which the Chatwoot webhook
 *       showed that an agent had seen the conversation: its {@code agent_last_seen_at}, or an agent's reply.</li>
 * </ul>
 *
 * <p>A message counts as seen when its {@code created_at} is at most the conversation's {@code agent_last_seen_at}.
 * NOTE: both are whole seconds in Chatwoot's API, so a message that arrived in the same second just after the
 * agent's last look is marked read too.
 */
public final class AgentReadReceipts {

    /** Exchange property with the {@code created_at} (epoch seconds) of the message Chatwoot stored. */
    public static final String CHATWOOT_CREATED_AT = "BridgeChatwootCreatedAt";
    /** Exchange property with the unread members of the conversation being checked. */
    public static final String UNREAD = "BridgeUnread";
    /** Exchange property with the number of unread members, for the route's filters. */
    public static final String UNREAD_COUNT = "BridgeUnreadCount";
    /** Exchange property: true when the conversation must be fetched to learn its agent_last_seen_at. */
    public static final String NEEDS_FETCH = "BridgeNeedsFetch";
    /** Exchange property with the conversation's latest seen time in epoch seconds. */
    public static final String SEEN_AT = "BridgeSeenAtSeconds";
    /** Exchange property with the Chatwoot ids of the messages in the markMessageAsRead request. */
    public static final String MARKED = "BridgeMarked";
    static final String POLL_LOCK = "BridgePollLock";

    private static final Logger LOG = LoggerFactory.getLogger(AgentReadReceipts.class);
    private static final int MAX_UNREAD_PER_CONVERSATION = 100;
    /** Lease of the poll lock in Redis, renewed while the poll runs, so a replica that dies frees it soon. */
    private static final Duration POLL_LEASE = Duration.ofSeconds(30);

    private final boolean enabled;
    private final ChatwootRequests requests;
    private final StateStore state;
    private final MessageMap messages;
    private final String evolutionApiKey;
    private final Clock clock;
    private final Duration pollInterval;
    private final Duration maxCheckInterval;
    private final Duration unreadTtl;
    private final int conversationsPerPoll;

    /**
     * @param pollInterval     how often the route polls; also the shortest time between two checks of one
     *                         conversation
     * @param maxCheckInterval the longest time between two checks of a conversation with unread messages, which
     *                         grow apart with the age of its oldest unread message
     * @param unreadTtl        how long a message stays tracked after the last message of its conversation arrived
     */
    public AgentReadReceipts(boolean enabled, ChatwootRequests requests, StateStore state, MessageMap messages,
            String evolutionApiKey, Clock clock, Duration pollInterval, Duration maxCheckInterval,
            Duration unreadTtl, int conversationsPerPoll) {
        this.enabled = enabled;
        this.requests = requests;
        this.state = state;
        this.messages = messages;
        this.evolutionApiKey = evolutionApiKey;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.maxCheckInterval = maxCheckInterval;
        this.unreadTtl = unreadTtl;
        this.conversationsPerPoll = conversationsPerPoll;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Tracks a customer's message that delivery has just posted, so it is marked read once an agent saw it. */
    public void track(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        Long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        Long chatwootId = exchange.getProperty(BridgeHeaders.CHATWOOT_MESSAGE_ID, Long.class);
        if (!enabled || message.fromMe || conversationId == null || chatwootId == null || chatwootId <= 0) {
            return;
        }
        long createdAtSeconds = exchange.getProperty(CHATWOOT_CREATED_AT, clock.millis() / 1000, Long.class);

        state.addScored(unreadKey(conversationId), Long.toString(chatwootId), createdAtSeconds, unreadTtl,
                MAX_UNREAD_PER_CONVERSATION);
        schedule(conversationId, clock.millis() + pollInterval.toMillis());
        LOG.debug("Message {} of instance {} (Chatwoot message {} in conversation {}) waits for an agent to read it",
                message.messageId, message.instance, chatwootId, conversationId);
    }

    /**
     * Records what a Chatwoot webhook showed about a conversation: its {@code agent_last_seen_at}, or the time of
     * an agent's reply. When that covers an unread message, the conversation becomes due for a check at once.
     */
    public void agentSeen(long conversationId, long seenAtSeconds) {
        if (!enabled || seenAtSeconds <= 0) {
            return;
        }
        if (state.scoredUpTo(unreadKey(conversationId), seenAtSeconds, 1).isEmpty()) {
            return;
        }

        long known = seenHint(conversationId);
        if (seenAtSeconds > known) {
            state.put(seenKey(conversationId), Long.toString(seenAtSeconds), unreadTtl);
        }
        schedule(conversationId, clock.millis());
    }

    /**
     * Takes the poll lock, so one replica checks at a time, and sets the body to the ids of the conversations due
     * for a check, at most {@code bridge.lifecycle.mark-read-conversations-per-poll}. The body is empty when
     * another replica holds the lock.
     */
    public void takeDueConversations(Exchange exchange) throws Exception {
        Optional<StateStore.LockHandle> lock = state.tryLock("lock:mark-read:" + requests.accountId(), POLL_LEASE);
        if (lock.isEmpty()) {
            exchange.getIn().setBody(List.of());
            return;
        }
        exchange.setProperty(POLL_LOCK, lock.get());

        List<Long> due = new ArrayList<>();
        for (StateStore.ScoredMember member : state.scoredUpTo(dueKey(), clock.millis(), conversationsPerPoll)) {
            due.add(Long.parseLong(member.member()));
        }
        exchange.getIn().setBody(due);
    }

    public void releasePollLock(Exchange exchange) {
        StateStore.LockHandle lock = exchange.getProperty(POLL_LOCK, StateStore.LockHandle.class);
        if (lock != null) {
            lock.close();
        }
    }

    /**
     * Starts the check of the conversation in the body: reads its unread messages and whether the webhook's
     * last seen time covers them all, so that no Chatwoot request is needed.
     */
    public void startCheck(Exchange exchange) {
        long conversationId = exchange.getIn().getBody(Long.class);
        exchange.setProperty(BridgeHeaders.CONVERSATION_ID, conversationId);
        List<StateStore.ScoredMember> unread = unread(conversationId);
        if (unread.isEmpty()) {
            // Removed first, then read again: a message tracked in between keeps its conversation due.
            state.removeScored(dueKey(), List.of(Long.toString(conversationId)));
            unread = unread(conversationId);
            if (!unread.isEmpty()) {
                schedule(conversationId, clock.millis());
            }
        }
        long seenAtSeconds = seenHint(conversationId);
        double newest = unread.isEmpty() ? 0 : unread.get(unread.size() - 1).score();

        exchange.setProperty(UNREAD, unread);
        exchange.setProperty(UNREAD_COUNT, unread.size());
        exchange.setProperty(SEEN_AT, seenAtSeconds);
        exchange.setProperty(NEEDS_FETCH, seenAtSeconds < newest);
    }

    /** Prepares {@code GET /api/v1/accounts/{account}/conversations/{conversation}}. */
    public void conversationRequest(Exchange exchange) throws IOException {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);

        requests.prepare(exchange, "GET", "/conversations/" + conversationId, null, null);
    }

    /** Reads the conversation's {@code agent_last_seen_at}, which Chatwoot sets when an agent views it. */
    public void readConversation(Exchange exchange) throws IOException {
        long lastSeenSeconds = requests.readJson(exchange).path("agent_last_seen_at").asLong(0);

        long hint = exchange.getProperty(SEEN_AT, 0L, Long.class);
        exchange.setProperty(SEEN_AT, Math.max(hint, lastSeenSeconds));
    }

    /**
     * Prepares the markMessageAsRead request for the unread messages created at or before the seen time, or
     * leaves {@link #MARKED} empty when there are none. Messages whose WhatsApp ids have expired from the message
     * map cannot be marked and are dropped.
     */
    public void markReadRequest(Exchange exchange) throws IOException {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        long seenAtSeconds = exchange.getProperty(SEEN_AT, 0L, Long.class);
        List<String> marked = new ArrayList<>();
        List<String> forgotten = new ArrayList<>();
        ArrayNode keys = requests.mapper().createArrayNode();
        String instance = null;
        for (StateStore.ScoredMember member : unreadMembers(exchange)) {
            if (member.score() > seenAtSeconds) {
                continue;
            }
            Optional<MessageMap.WhatsAppMessages> whatsApp = messages.whatsAppOf(requests.accountId(),
                    Long.parseLong(member.member()));
            if (whatsApp.isEmpty()) {
                forgotten.add(member.member());
                continue;
            }
            if (instance != null && !instance.equals(whatsApp.get().instance())) {
                continue;
            }
            instance = whatsApp.get().instance();
            for (String id : whatsApp.get().ids()) {
                // NOTE: EvolutionAPI's request carries no participant, so a receipt for a message in a group
                // may not reach WhatsApp.
                keys.addObject().put("remoteJid", whatsApp.get().remoteJid()).put("fromMe", false).put("id", id);
            }
            marked.add(member.member());
        }
        if (!forgotten.isEmpty()) {
            state.removeScored(unreadKey(conversationId), forgotten);
            LOG.info("Chatwoot messages {} of conversation {} are no longer in the message map; they are not marked "
                    + "read on WhatsApp", forgotten, conversationId);
        }
        if (marked.isEmpty()) {
            exchange.removeProperty(MARKED);
            return;
        }

        ObjectNode body = requests.mapper().createObjectNode();
        body.set("readMessages", keys);
        EvolutionMessages.prepareRequest(exchange, requests.mapper(), evolutionApiKey, "POST",
                "/chat/markMessageAsRead/", instance, body);
        exchange.setProperty(MARKED, marked);
        exchange.setProperty(BridgeHeaders.INSTANCE, instance);
    }

    /** Forgets the messages EvolutionAPI marked read. */
    public void markedRead(Exchange exchange) throws IOException {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        List<String> marked = marked(exchange);
        try (InputStream response = exchange.getIn().getBody(InputStream.class)) {
            if (response != null) {
                response.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }

        state.removeScored(unreadKey(conversationId), marked);
        LOG.info("Marked {} WhatsApp messages of instance {} read because an agent saw Chatwoot conversation {}",
                marked.size(), exchange.getProperty(BridgeHeaders.INSTANCE), conversationId);
    }

    /**
     * Schedules the conversation's next check when unread messages remain, later the older the oldest of them
     * is, or takes it off the schedule.
     */
    public void reschedule(Exchange exchange) {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        List<StateStore.ScoredMember> unread = unread(conversationId);
        if (unread.isEmpty()) {
            state.removeScored(dueKey(), List.of(Long.toString(conversationId)));
            state.delete(seenKey(conversationId));
            return;
        }

        long ageMillis = clock.millis() - (long) unread.get(0).score() * 1000;
        long delayMillis = Math.max(pollInterval.toMillis(), Math.min(maxCheckInterval.toMillis(), ageMillis / 10));
        schedule(conversationId, clock.millis() + delayMillis);
    }

    /** Stops tracking a conversation that Chatwoot no longer has (404). */
    public void conversationGone(Exchange exchange) {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        List<String> members = unreadMembers(exchange).stream().map(StateStore.ScoredMember::member).toList();

        state.removeScored(unreadKey(conversationId), members);
        state.removeScored(dueKey(), List.of(Long.toString(conversationId)));
        state.delete(seenKey(conversationId));
        LOG.info("Chatwoot conversation {} no longer exists; its {} unread messages are not marked read on WhatsApp",
                conversationId, members.size());
    }

    /** Schedules a failed check again after the longest check interval, and logs the failure. */
    public void checkFailed(Exchange exchange) {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);

        schedule(conversationId, clock.millis() + maxCheckInterval.toMillis());
        LOG.warn("Marking the read messages of Chatwoot conversation {} on WhatsApp failed; retrying in {} s: {}",
                conversationId, maxCheckInterval.toSeconds(), failure == null ? "unknown error" : failure.toString());
    }

    private void schedule(long conversationId, long dueAtMillis) {
        state.addScored(dueKey(), Long.toString(conversationId), dueAtMillis, unreadTtl, Integer.MAX_VALUE);
    }

    private List<StateStore.ScoredMember> unread(long conversationId) {
        return state.scoredUpTo(unreadKey(conversationId), Double.MAX_VALUE, MAX_UNREAD_PER_CONVERSATION);
    }

    private long seenHint(long conversationId) {
        return state.get(seenKey(conversationId)).map(Long::parseLong).orElse(0L);
    }

    @SuppressWarnings("unchecked")
    private static List<StateStore.ScoredMember> unreadMembers(Exchange exchange) {
        return exchange.getProperty(UNREAD, List.of(), List.class);
    }

    @SuppressWarnings("unchecked")
    private static List<String> marked(Exchange exchange) {
        return exchange.getProperty(MARKED, List.of(), List.class);
    }

    private String unreadKey(long conversationId) {
        return "unread:" + requests.accountId() + ":" + conversationId;
    }

    private String dueKey() {
        return "unread-conversations:" + requests.accountId();
    }

    private String seenKey(long conversationId) {
        return "agent-seen:" + requests.accountId() + ":" + conversationId;
    }
}
