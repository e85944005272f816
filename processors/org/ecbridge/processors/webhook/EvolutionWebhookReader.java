package org.ecbridge.processors.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.spi.IdempotentRepository;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.state.MessageMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a spooled EvolutionAPI webhook: decodes inline media into the staging area's temporary folder and turns
 * the body into a {@link StagedMessage}. Sets {@link BridgeHeaders#OUTCOME} to {@code stage} for a message to
 * deliver and to {@code ignore} for events and messages the bridge acknowledges without storing.
 */
public final class EvolutionWebhookReader implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(EvolutionWebhookReader.class);

    private final EvolutionWebhookParser parser;
    private final MessageUpsertMapper mapper = new MessageUpsertMapper();
    private final LifecycleEventMapper lifecycleMapper = new LifecycleEventMapper();
    private final StagingArea staging;
    private final Set<String> handledEvents;
    private final IdempotentRepository acceptedMessages;
    private final boolean inlineEnabled;
    private volatile MessageMap sentMessages;
    private volatile ConnectionListener connectionListener;

    /** Receives every {@code connection.update} at intake, before it is staged or ignored. */
    public interface ConnectionListener {
        /** Returns true when the update is also staged, to post a note in the instance's status conversation. */
        boolean connectionChanged(String instance, String state, String statusReason);
    }

    public EvolutionWebhookReader(EvolutionWebhookParser parser, StagingArea staging, Set<String> handledEvents,
            IdempotentRepository acceptedMessages, boolean inlineEnabled) {
        this.parser = parser;
        this.inlineEnabled = inlineEnabled;
        this.staging = staging;
        this.handledEvents = handledEvents;
        this.acceptedMessages = acceptedMessages;
    }

    /**
     * Makes the reader drop the echoes of replies the bridge sent: EvolutionAPI reports a message sent through
     * its API again as a {@code fromMe} message, which must not be posted back to Chatwoot.
     */
    public void ignoreEchoesOf(MessageMap sentMessages) {
        this.sentMessages = sentMessages;
    }

    public void listenToConnections(ConnectionListener listener) {
        this.connectionListener = listener;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        String pathEvent = eventFromPath(in.getHeader(BridgeHeaders.PATH_EVENT, String.class));
        EvolutionWebhookParser.ParsedWebhook webhook;
        try (InputStream body = in.getMandatoryBody(InputStream.class)) {
            webhook = parser.parse(body, new Policy(pathEvent));
        }
        String event = webhook.event() != null ? webhook.event() : pathEvent;
        if (event == null || webhook.instance() == null) {
            deleteMedia(webhook);
            throw WebhookRejectedException.invalid("missing-field", "webhook needs the fields event and instance; "
                    + "this one has event=" + event + ", instance=" + webhook.instance());
        }
        in.setHeader(BridgeHeaders.EVENT, event);
        in.setHeader(BridgeHeaders.INSTANCE, webhook.instance());

        if (!handledEvents.contains(event)) {
            deleteMedia(webhook);
            ignore(in, "event " + event + " is not handled");
            return;
        }
        MessageUpsertMapper.Mapping mapping = map(withEvent(webhook, event));
        StagedMessage message = mapping.message();
        in.setHeader(BridgeHeaders.MESSAGE_ID, message.messageId);
        if (mapping.ignored()) {
            deleteMedia(webhook);
            ignore(in, mapping.ignoredReason());
            return;
        }
        MessageMap echoes = sentMessages;
        if (message.fromMe && echoes != null && echoes.isSentByBridge(message.instance, message.messageId)) {
            // NOTE: EvolutionAPI may send this webhook before its sendX answer reaches the bridge; an echo that
            // arrives before the bridge recorded the id is posted to Chatwoot as an outgoing message.
            deleteMedia(webhook);
            ignore(in, "echo of a reply the bridge sent");
            return;
        }
        if (LifecycleEventMapper.READ.equals(message.lifecycle)
                && (echoes == null || !echoes.isSentByBridge(message.instance, message.targetMessageId))) {
            ignore(in, "read receipt of a message the bridge did not send");
            return;
        }
        if (LifecycleEventMapper.CONNECTION.equals(message.lifecycle) && !connectionStaged(message)) {
            ignore(in, "connection state " + message.connectionState + " is recorded for readiness and metrics");
            return;
        }
        attachInlineMedia(exchange, webhook, message);
        in.setBody(message);
        in.setHeader(BridgeHeaders.OUTCOME, "stage");
    }

    private MessageUpsertMapper.Mapping map(EvolutionWebhookParser.ParsedWebhook webhook) {
        if (!webhook.event().equals("messages.upsert") && !webhook.event().equals("send.message")) {
            return lifecycleMapper.map(webhook);
        }
        MessageUpsertMapper.Mapping mapping = mapper.map(webhook);
        JsonNode reaction = webhook.message() == null ? null : webhook.message().get("reactionMessage");
        if (reaction != null && reaction.isObject() && mapping.message().lifecycle == null
                && mapping.ignoredReason() != null && mapping.ignoredReason().startsWith("reactionMessage")) {
            return lifecycleMapper.reaction(mapping.message(), reaction);
        }
        // Baileys also reports a deletion for everyone, or an edit, as a new message carrying a protocolMessage.
        var content = MessageUpsertMapper.contentOf(webhook.message());
        if (mapping.ignored() && content.isPresent() && content.get().getKey().equals("protocolMessage")) {
            return lifecycleMapper.protocolMessage(webhook, content.get().getValue());
        }
        return mapping;
    }

    private boolean connectionStaged(StagedMessage message) {
        ConnectionListener listener = connectionListener;
        return listener != null && listener.connectionChanged(message.instance, message.connectionState,
                message.connectionStatusReason);
    }

    private void attachInlineMedia(Exchange exchange, EvolutionWebhookParser.ParsedWebhook webhook,
            StagedMessage message) throws IOException {
        EvolutionWebhookParser.InlineMedia inline = webhook.inlineMedia();
        if (inline == null) {
            return;
        }
        if (message.media == null) {
            LOG.debug("Message {} of instance {} has base64 but no media content; ignoring the bytes",
                    message.messageId, message.instance);
            deleteMedia(webhook);
            return;
        }
        if (inline.oversized()) {
            message.media.oversizedBytes = inline.sizeBytes();
            message.media.source = "inline";
            LOG.warn("Message {} of instance {} carries a {} of {} bytes, over bridge.media.max-file-bytes; the bytes "
                    + "were counted and discarded", message.messageId, message.instance, message.media.kind,
                    inline.sizeBytes());
            return;
        }
        message.media.sizeBytes = inline.sizeBytes();
        message.media.sha256Hex = inline.sha256Hex();
        message.media.md5Base64 = inline.md5Base64();
        message.media.source = "inline";
        exchange.setProperty(BridgeHeaders.INLINE_MEDIA, inline.file());
        LOG.debug("Decoded {} bytes of inline {} for message {} of instance {}", inline.sizeBytes(),
                message.media.kind, message.messageId, message.instance);
    }

    private static void ignore(Message in, String reason) {
        in.setHeader(BridgeHeaders.OUTCOME, "ignore");
        in.setHeader(BridgeHeaders.IGNORED_REASON, reason);
        in.setBody(null);
    }

    private static void deleteMedia(EvolutionWebhookParser.ParsedWebhook webhook) throws IOException {
        if (webhook.inlineMedia() != null && webhook.inlineMedia().file() != null) {
            Files.deleteIfExists(webhook.inlineMedia().file());
        }
    }

    private static EvolutionWebhookParser.ParsedWebhook withEvent(EvolutionWebhookParser.ParsedWebhook webhook,
            String event) {
        return new EvolutionWebhookParser.ParsedWebhook(event, webhook.instance(), webhook.data(),
                webhook.message(), webhook.inlineMedia(), webhook.mediaSkipped(), webhook.metadataBytes());
    }

    /** Turns a by-events path suffix such as {@code messages-upsert} into {@code messages.upsert}. */
    static String eventFromPath(String suffix) {
        if (suffix == null || suffix.isBlank()) {
            return null;
        }
        return suffix.toLowerCase(Locale.ROOT).replace('-', '.').replace('_', '.');
    }

    /** Decoding policy for one webhook. */
    private final class Policy implements EvolutionWebhookParser.MediaPolicy {
        private final String pathEvent;

        private Policy(String pathEvent) {
            this.pathEvent = pathEvent;
        }

        @Override
        public Path newMediaFile() throws IOException {
            return staging.newTemporaryFile(".part");
        }

        @Override
        public boolean decodeInline() {
            return inlineEnabled;
        }

        @Override
        public boolean isHandledEvent(String event) {
            return handledEvents.contains(event != null ? event : pathEvent);
        }

        @Override
        public boolean isDuplicate(String instance, String messageId) {
            return acceptedMessages.contains(instance + ":" + messageId);
        }
    }
}
