package org.ecbridge;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spi.Registry;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.config.SecretFiles;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.media.MediaLinkServer;
import org.ecbridge.processors.reply.AttachmentCopies;
import org.ecbridge.processors.reply.AttachmentPlanner;
import org.ecbridge.processors.reply.AttachmentProbe;
import org.ecbridge.processors.reply.ChatwootSignatureVerifier;
import org.ecbridge.processors.reply.ChatwootWebhookAuthenticator;
import org.ecbridge.processors.reply.ChatwootWebhookReader;
import org.ecbridge.processors.reply.EvolutionMessages;
import org.ecbridge.processors.reply.ReplyFailures;
import org.ecbridge.processors.reply.ReplyRecords;
import org.ecbridge.processors.reply.StagedReplyWriter;
import org.ecbridge.processors.reply.WhatsAppFormatter;
import org.ecbridge.processors.webhook.EvolutionWebhookReader;
import org.ecbridge.processors.webhook.WebhookBodySpooler;
import org.ecbridge.processors.webhook.WebhookResponder;
import org.ecbridge.replies.ReplyArea;
import org.ecbridge.state.MessageMap;
import org.ecbridge.state.StateStore;
import org.ecbridge.state.StateStoreIdempotentRepository;
import org.ecbridge.storage.LocalMediaStore;
import org.ecbridge.storage.MediaLinkSigner;
import org.ecbridge.storage.MediaStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and binds the beans of agent replies (Chatwoot webhook intake, delivery to WhatsApp through
 * EvolutionAPI) and of the local media store with its signed links.
 */
public final class ReplyBeans {

    private static final Logger LOG = LoggerFactory.getLogger(ReplyBeans.class);
    public static final String WEBHOOK_PATH = "/webhook/chatwoot";

    private ReplyBeans() {
    }

    /** Binds the beans; runs after the EvolutionAPI webhook beans, whose reader learns to drop reply echoes. */
    public static void bind(BridgeSettings settings, Registry registry, ObjectMapper mapper, StateStore state)
            throws IOException {
        Clock clock = Clock.systemUTC();
        Path dataDir = settings.dataDir();
        MessageMap messages = new MessageMap(state, mapper);
        ReplyArea replies = new ReplyArea(dataDir.resolve("replies"), mapper);
        replies.open();
        registry.bind("replyArea", replies);

        bindMediaStore(settings, registry, mapper, clock);
        bindWebhookBeans(settings, registry, mapper, state, messages, replies, clock);
        bindDeliveryBeans(settings, registry, mapper, messages, replies, clock);

        EvolutionWebhookReader evolutionReader = registry.lookupByNameAndType("evolutionWebhookReader",
                EvolutionWebhookReader.class);
        if (evolutionReader != null) {
            evolutionReader.ignoreEchoesOf(messages);
        }
    }

    private static void bindMediaStore(BridgeSettings settings, Registry registry, ObjectMapper mapper, Clock clock)
            throws IOException {
        String type = settings.string("bridge.storage.type", "local").toLowerCase(Locale.ROOT);
        if (type.equals("s3")) {
            registry.bind("mediaLinkServer", new MediaLinkServer(null));
            return;
        }
        if (!type.equals("local")) {
            throw new IllegalStateException("bridge.storage.type must be local or s3, but is '" + type + "'");
        }
        String secret = settings.optional("bridge.media.link-secret").orElseGet(() -> SecretFiles.readOrCreate(
                settings.dataDir().resolve("media-link-secret"), 32, "bridge.media.link-secret"));
        String publicUrl = settings.optional("bridge.public-url").orElse(null);
        if (publicUrl == null) {
            LOG.warn("bridge.public-url is not set: WhatsApp files over bridge.chatwoot.max-attachment-bytes ({} "
                    + "bytes) go to the dead-letter folder instead of Chatwoot as a link, and agents' attachments "
                    + "whose storage links expire too soon cannot be sent. Set BRIDGE_PUBLIC_URL to the URL under "
                    + "which Chatwoot's agents and EvolutionAPI reach this bridge", settings.longValue(
                    "bridge.chatwoot.max-attachment-bytes", 41_943_040));
        }
        Duration retention = Duration.ofSeconds(settings.longValue("bridge.media.store-retention-seconds",
                172_800));
        LocalMediaStore store = new LocalMediaStore(settings.dataDir().resolve("media-store"),
                new MediaLinkSigner(secret, publicUrl, clock), retention, clock, mapper);
        store.open();
        registry.bind("mediaStore", MediaStore.class, store);
        registry.bind("mediaLinkServer", new MediaLinkServer(store));
    }

    private static void bindWebhookBeans(BridgeSettings settings, Registry registry, ObjectMapper mapper,
            StateStore state, MessageMap messages, ReplyArea replies, Clock clock) {
        String secret = settings.optional("bridge.chatwoot.webhook-secret").orElse(null);
        String token = secret != null ? null : settings.optional("bridge.chatwoot.webhook-token").orElseGet(() ->
                generatedToken(settings.dataDir().resolve("chatwoot-webhook-token")));
        long maxBodyBytes = settings.longValue("bridge.chatwoot.webhook-max-body-bytes", 1L << 20);
        Duration maxClockSkew = Duration.ofSeconds(settings.longValue(
                "bridge.chatwoot.webhook-max-clock-skew-seconds", 300));
        registry.bind("chatwootWebhookAuthenticator", new ChatwootWebhookAuthenticator(WEBHOOK_PATH, token,
                settings.string("bridge.chatwoot.webhook-token-header", "X-Bridge-Token"), secret != null,
                maxClockSkew, clock));
        registry.bind("chatwootWebhookSpooler", new WebhookBodySpooler(maxBodyBytes,
                settings.longValue("bridge.webhook.body-idle-timeout-millis", 30_000),
                "bridge.chatwoot.webhook-max-body-bytes", "Chatwoot's message events are a few kilobytes, so "
                        + "this is not a Chatwoot webhook or the limit is far too low")
                .minBytesPerSecond(settings.longValue("bridge.webhook.min-body-bytes-per-second", 16_384)));
        registry.bind("chatwootSignatureVerifier", new ChatwootSignatureVerifier(secret));
        registry.bind("chatwootWebhookReader", new ChatwootWebhookReader(mapper, messages,
                settings.chatwootAccountId(), settings.chatwootInboxId(),
                settings.optional("bridge.reply.default-instance").orElse(null), instanceByInbox(settings)));
        registry.bind("stagedReplyWriter", new StagedReplyWriter(replies));
        registry.bind("chatwootWebhookResponder", new WebhookResponder(
                settings.longValue("bridge.webhook.retry-after-seconds", 30)));
        StateStoreIdempotentRepository acceptedReplies = new StateStoreIdempotentRepository(state,
                "accepted-reply:", Duration.ofSeconds(settings.longValue("bridge.idempotency.ttl-seconds", 86_400)));
        acceptedReplies.importLegacyFile(settings.dataDir().resolve("state").resolve("accepted-replies.dat"));
        registry.bind("acceptedReplies", acceptedReplies);
    }

    private static void bindDeliveryBeans(BridgeSettings settings, Registry registry, ObjectMapper mapper,
            MessageMap messages, ReplyArea replies, Clock clock) {
        long maxDocumentBytes = settings.longValue("bridge.reply.max-document-bytes", 100L << 20);
        Duration messageMapTtl = Duration.ofSeconds(settings.longValue("bridge.chatwoot.message-map-ttl-seconds",
                7 * 86_400));
        WhatsAppFormatter formatter = new WhatsAppFormatter(
                Boolean.parseBoolean(settings.string("bridge.reply.sign-messages", "false")),
                settings.string("bridge.reply.sign-delimiter", "\n").replace("\\n", "\n"));
        registry.bind("replyRecords", new ReplyRecords(replies, messages, formatter, messageMapTtl));
        registry.bind("attachmentProbe", new AttachmentProbe((int) settings.longValue("bridge.reply.max-redirects",
                5)));
        registry.bind("attachmentPlanner", new AttachmentPlanner(maxDocumentBytes, Duration.ofSeconds(
                settings.longValue("bridge.reply.min-link-lifetime-seconds", 120)), clock));
        registry.bind("attachmentCopies", new AttachmentCopies(replies,
                () -> registry.lookupByNameAndType("mediaStore", MediaStore.class), maxDocumentBytes,
                Duration.ofSeconds(settings.longValue("bridge.reply.link-expiry-seconds", 86_400))));
        registry.bind("evolutionMessages", new EvolutionMessages(mapper,
                settings.optional("bridge.evolution.api-key").orElse(null), messages));
        ChatwootRequests requests = new ChatwootRequests(mapper, settings.chatwootApiToken(),
                settings.chatwootAccountId());
        registry.bind("replyFailures", new ReplyFailures(requests, replies, mapper));
    }

    /** Returns the instance of each inbox in {@code bridge.chatwoot.inbox-by-instance}, the first when shared. */
    static Map<Long, String> instanceByInbox(BridgeSettings settings) {
        Map<Long, String> instances = new LinkedHashMap<>();
        settings.inboxByInstance().forEach((instance, inbox) -> {
            String previous = instances.putIfAbsent(inbox, instance);
            if (previous != null) {
                LOG.warn("Inbox {} is mapped to instances {} and {}; replies from it go to {}", inbox, previous,
                        instance, previous);
            }
        });
        return instances;
    }

    private static String generatedToken(Path file) {
        boolean existed = file.toFile().exists();
        String token = SecretFiles.readOrCreate(file, 24, "bridge.chatwoot.webhook-token");
        if (!existed) {
            LOG.info("No bridge.chatwoot.webhook-token is set, so a random one was written to {}. Configure the "
                    + "Chatwoot inbox webhook URL as <bridge URL>{}/token/<that token> (see README: Agent replies).",
                    file, WEBHOOK_PATH);
        }
        return token;
    }
}
