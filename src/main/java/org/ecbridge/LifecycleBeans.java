package org.ecbridge;

import java.time.Clock;
import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.health.BridgeHealthChecks;
import org.ecbridge.lifecycle.ConnectionStates;
import org.ecbridge.metrics.BridgeMetrics;
import org.ecbridge.processors.chatwoot.ChatwootContacts;
import org.ecbridge.processors.chatwoot.ChatwootConversations;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.lifecycle.AgentReadReceipts;
import org.ecbridge.processors.lifecycle.LifecycleEvents;
import org.ecbridge.processors.reply.ChatwootWebhookReader;
import org.ecbridge.processors.webhook.EvolutionWebhookReader;
import org.ecbridge.state.MessageMap;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the beans of the conversation lifecycle routes, including the read receipts that go to WhatsApp, and
 * registers the WhatsApp connection readiness check.
 * Runs after {@link OperationsBeans}, which binds the metrics registry, and after {@link ReplyBeans}.
 */
final class LifecycleBeans {

    private static final Logger LOG = LoggerFactory.getLogger(LifecycleBeans.class);

    private LifecycleBeans() {
    }

    static void bind(CamelContext context, BridgeSettings settings, ObjectMapper mapper, StateStore state) {
        Registry registry = context.getRegistry();
        String deleteMode = settings.string("bridge.lifecycle.delete-mode", "delete");
        if (!deleteMode.equals("delete") && !deleteMode.equals("mark")) {
            throw new IllegalArgumentException("bridge.lifecycle.delete-mode must be delete or mark, but is "
                    + deleteMode);
        }

        ChatwootRequests requests = new ChatwootRequests(mapper, settings.chatwootApiToken(),
                settings.chatwootAccountId());
        registry.bind("lifecycleEvents", new LifecycleEvents(requests,
                registry.lookupByNameAndType("chatwootContacts", ChatwootContacts.class), state,
                Duration.ofSeconds(settings.longValue("bridge.chatwoot.message-map-ttl-seconds", 7 * 86_400)),
                Duration.ofSeconds(settings.longValue("bridge.lifecycle.pending-deletion-ttl-seconds", 86_400))));

        BridgeMetrics metrics = registry.lookupByNameAndType("bridgeMetrics", BridgeMetrics.class);
        ConnectionStates connections = new ConnectionStates(metrics.registry(),
                Boolean.parseBoolean(settings.string("bridge.lifecycle.status-conversation", "false")));
        BridgeHealthChecks.register(context, connections);
        registry.bind("connectionStates", connections);
        registry.lookupByNameAndType("evolutionWebhookReader", EvolutionWebhookReader.class)
                .listenToConnections(connections);

        String resolvedMode = settings.string("bridge.lifecycle.resolved-conversation", "new");
        if (!resolvedMode.equals("new") && !resolvedMode.equals("reopen")) {
            throw new IllegalArgumentException("bridge.lifecycle.resolved-conversation must be new or reopen, but is "
                    + resolvedMode);
        }
        ChatwootConversations conversations = registry.lookupByNameAndType("chatwootConversations",
                ChatwootConversations.class);
        conversations.reopenResolved(resolvedMode.equals("reopen"));
        ChatwootWebhookReader webhookReader = registry.lookupByNameAndType("chatwootWebhookReader",
                ChatwootWebhookReader.class);
        webhookReader.listenToConversationStatus((inboxId, identifier, conversationId, status) -> {
            conversations.forgetChat(inboxId, identifier);
            LOG.info("Chatwoot conversation {} of {} in inbox {} is now {}; its cached id is dropped",
                    conversationId, identifier, inboxId, status);
        });

        AgentReadReceipts readReceipts = agentReadReceipts(settings, requests, state, mapper);
        registry.bind("agentReadReceipts", readReceipts);
        webhookReader.listenToAgentSeen(readReceipts::agentSeen);
    }

    private static AgentReadReceipts agentReadReceipts(BridgeSettings settings, ChatwootRequests requests,
            StateStore state, ObjectMapper mapper) {
        String markRead = settings.string("bridge.lifecycle.mark-read", "false");
        if (!markRead.equals("true") && !markRead.equals("false")) {
            throw new IllegalArgumentException("bridge.lifecycle.mark-read must be true or false, but is " + markRead);
        }
        String apiKey = settings.optional("bridge.evolution.api-key").orElse(null);
        boolean enabled = markRead.equals("true");
        if (enabled && apiKey == null) {
            throw new IllegalArgumentException("bridge.lifecycle.mark-read=true needs bridge.evolution.api-key "
                    + "(environment variable " + BridgeSettings.environmentName("bridge.evolution.api-key")
                    + ") to call EvolutionAPI's markMessageAsRead; set it or set bridge.lifecycle.mark-read=false");
        }
        Duration pollInterval = Duration.ofMillis(settings.longValue("bridge.lifecycle.mark-read-poll-millis", 5000));
        Duration maxCheckInterval = Duration.ofSeconds(settings.longValue(
                "bridge.lifecycle.mark-read-max-check-interval-seconds", 120));
        if (enabled) {
            LOG.info("Customers' WhatsApp messages are marked read once an agent saw them; conversations are "
                    + "checked every {} ms to {} s", pollInterval.toMillis(), maxCheckInterval.toSeconds());
        }
        return new AgentReadReceipts(enabled, requests, state, new MessageMap(state, mapper), apiKey,
                Clock.systemUTC(), pollInterval, maxCheckInterval,
                Duration.ofSeconds(settings.longValue("bridge.lifecycle.mark-read-ttl-seconds", 259_200)),
                (int) settings.longValue("bridge.lifecycle.mark-read-conversations-per-poll", 20));
    }
}
