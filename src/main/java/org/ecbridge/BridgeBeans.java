package org.ecbridge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spi.Registry;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.config.SecretFiles;
import org.ecbridge.http.DeadLetterEndpoints;
import org.ecbridge.http.HttpServerBindCheck;
import org.ecbridge.http.WebhookHttpEngine;
import org.ecbridge.processors.chatwoot.ChatwootContacts;
import org.ecbridge.processors.chatwoot.ChatwootConversations;
import org.ecbridge.processors.chatwoot.ChatwootMessages;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.chatwoot.DeadLetterStore;
import org.ecbridge.processors.chatwoot.DeadLetters;
import org.ecbridge.processors.chatwoot.MediaDelivery;
import org.ecbridge.processors.chatwoot.DeliveryRecords;
import org.ecbridge.processors.media.MediaSources;
import org.ecbridge.processors.media.MediaStager;
import org.ecbridge.processors.webhook.DiskQuotaGuard;
import org.ecbridge.processors.webhook.EvolutionWebhookParser;
import org.ecbridge.processors.webhook.EvolutionWebhookReader;
import org.ecbridge.processors.webhook.JwtVerifier;
import org.ecbridge.processors.webhook.LargeBodyLimiter;
import org.ecbridge.processors.webhook.StagedMessageWriter;
import org.ecbridge.processors.webhook.WebhookAuthenticator;
import org.ecbridge.processors.webhook.WebhookBodySpooler;
import org.ecbridge.processors.webhook.WebhookResponder;
import org.ecbridge.staging.DiskUsageMonitor;
import org.ecbridge.staging.SpoolFolder;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.storage.StorageBeans;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the bridge's beans from its settings and binds them by the names the route files use. Runs before
 * the routes start, so the staging area is recovered before the delivery route polls it.
 */
public final class BridgeBeans implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeBeans.class);
    public static final String WEBHOOK_PATH = "/webhook/evolution";

    @Override
    public void configure(CamelContext context) throws Exception {
        BridgeSettings settings = BridgeSettings.load(context);
        Registry registry = context.getRegistry();
        registry.bind("platform-http-engine", new WebhookHttpEngine((int) settings.longValue("bridge.webhook.port",
                8080)));
        ObjectMapper mapper = new ObjectMapper();
        Path dataDir = settings.dataDir();
        Files.createDirectories(dataDir);
        Path spoolDir = Path.of(context.resolvePropertyPlaceholders("{{bridge.spool-dir}}")).toAbsolutePath();
        StateBeans.closeOnStop(context, java.util.List.of(SpoolFolder.open(spoolDir)));

        StateBeans stateBeans = StateBeans.bind(context, settings, mapper);
        StateStore state = stateBeans.store();
        IdempotentRepository acceptedMessages = stateBeans.acceptedMessages();
        StagingArea staging = new StagingArea(dataDir.resolve("staging"), mapper);
        stateBeans.openStaging(context, staging);
        registry.bind("stagingArea", staging);
        DiskUsageMonitor diskUsage = new DiskUsageMonitor(spoolDir, staging.root(),
                settings.longValue("bridge.disk.spool-quota-bytes", 4L << 30),
                settings.longValue("bridge.disk.staging-quota-bytes", 10L << 30),
                settings.longValue("bridge.disk.min-free-bytes", 1L << 30),
                settings.longValue("bridge.disk.usage-refresh-millis", 2000));
        registry.bind("diskUsageMonitor", diskUsage);

        bindWebhookBeans(settings, registry, staging, diskUsage, acceptedMessages);
        bindDeliveryBeans(settings, context, registry, mapper, staging, state, stateBeans.lockLease());
        DirectMediaBeans.bind(settings, registry, mapper, staging);
        context.addStartupListener(new HttpServerBindCheck((int) settings.longValue("bridge.webhook.port", 8080),
                (int) settings.longValue("bridge.management.port", 9876)));
        context.addStartupListener(new DeadLetterEndpoints(
                (int) settings.longValue("bridge.management.port", 9876), managementToken(settings),
                settings.optional("bridge.management.token").isPresent() ? "bridge.management.token"
                        : "the file management-token in the bridge's data folder"));
        if (StorageBeans.s3Enabled(settings)) {
            StorageBeans.bindS3(settings, context, registry);
        }
        ReplyBeans.bind(settings, registry, mapper, state);
        MediaContentBeans.bind(settings, registry, staging);
        OperationsBeans.bind(context, settings);
        LifecycleBeans.bind(context, settings, mapper, state);
        LOG.info("Bridge configured: data folder {}, Chatwoot {} account {} inbox {}, media sources {}", dataDir,
                settings.chatwootUrl(), settings.chatwootAccountId(), settings.chatwootInboxId(),
                settings.list("bridge.media.sources", ""));
    }

    private static void bindWebhookBeans(BridgeSettings settings, Registry registry, StagingArea staging,
            DiskUsageMonitor diskUsage, IdempotentRepository acceptedMessages) {
        long maxBodyBytes = settings.longValue("bridge.webhook.max-body-bytes", 512L << 20);
        JwtVerifier jwtVerifier = settings.optional("bridge.webhook.jwt-key")
                .map(key -> new JwtVerifier(key, Clock.systemUTC(),
                        Duration.ofSeconds(settings.longValue("bridge.webhook.jwt-clock-skew-seconds", 60))))
                .orElse(null);
        registry.bind("webhookAuthenticator", new WebhookAuthenticator(WEBHOOK_PATH, webhookToken(settings),
                settings.string("bridge.webhook.token-header", "X-Bridge-Token"), jwtVerifier));
        registry.bind("diskQuotaGuard", new DiskQuotaGuard(diskUsage, maxBodyBytes));
        registry.bind("largeBodyLimiter", new LargeBodyLimiter(
                (int) settings.longValue("bridge.webhook.max-concurrent-large-bodies", 4),
                settings.longValue("bridge.webhook.large-body-bytes", 1L << 20)));
        registry.bind("webhookBodySpooler", new WebhookBodySpooler(maxBodyBytes,
                settings.longValue("bridge.webhook.body-idle-timeout-millis", 30_000))
                .minBytesPerSecond(settings.longValue("bridge.webhook.min-body-bytes-per-second", 16_384)));
        MediaSources sources = new MediaSources(settings.list("bridge.media.sources", "inline"), new ObjectMapper(),
                settings.optional("bridge.evolution.url").flatMap(url -> settings.optional("bridge.evolution.api-key"))
                        .orElse(null), settings.longValue("bridge.media.max-file-bytes", 2L << 30));
        registry.bind("mediaSources", sources);
        EvolutionWebhookParser parser = new EvolutionWebhookParser(
                settings.longValue("bridge.webhook.max-metadata-bytes", 1L << 20),
                settings.longValue("bridge.media.max-file-bytes", 2L << 30));
        Set<String> handledEvents = new HashSet<>(settings.list("bridge.webhook.handled-events", "messages.upsert"));
        registry.bind("evolutionWebhookReader", new EvolutionWebhookReader(parser, staging, handledEvents,
                acceptedMessages, sources.inlineEnabled()));
        registry.bind("stagedMessageWriter", new StagedMessageWriter(staging));
        registry.bind("webhookResponder", new WebhookResponder(
                settings.longValue("bridge.webhook.retry-after-seconds", 30)));
    }

    private static void bindDeliveryBeans(BridgeSettings settings, CamelContext context, Registry registry,
            ObjectMapper mapper, StagingArea staging, StateStore state, Duration lockLease) {
        Duration idCacheTtl = settings.idCacheTtl();
        ChatwootRequests requests = new ChatwootRequests(mapper, settings.chatwootApiToken(),
                settings.chatwootAccountId());
        ChatwootContacts contacts = new ChatwootContacts(requests, state, idCacheTtl, settings.chatwootInboxId(),
                settings.inboxByInstance());
        registry.bind("chatwootContacts", contacts);
        ChatwootConversations conversations = new ChatwootConversations(requests, contacts, state, idCacheTtl);
        registry.bind("chatwootConversations", conversations);
        registry.bind("chatwootMessages", new ChatwootMessages(requests, conversations, staging, state,
                Duration.ofSeconds(settings.longValue("bridge.chatwoot.message-map-ttl-seconds", 7 * 86_400)),
                (int) settings.longValue("bridge.delivery.existing-message-max-pages", 5)));
        registry.bind("deliveryRecords", new DeliveryRecords(staging, state, Duration.ofSeconds(30), lockLease));
        DeliveryLaneRoutes.bind(registry, settings.longValue("bridge.delivery.lanes", 4));
        registry.bind("mediaStager", new MediaStager(staging, settings.longValue("bridge.media.max-file-bytes",
                2L << 30)));
        registry.bind("deadLetters", new DeadLetters(staging, mapper, requests));
        registry.bind("deadLetterStore", new DeadLetterStore(staging, mapper,
                Duration.ofDays(settings.longValue("bridge.dead-letter.retention-days", 14))));
        registry.bind("mediaDelivery", new MediaDelivery(context, staging,
                Duration.ofSeconds(settings.longValue("bridge.storage.link-expiry-seconds", 604_800)),
                settings.longValue("bridge.media.max-file-bytes", 2L << 30)));
    }

    /**
     * Returns the configured webhook token, or the one stored in {@code <data-dir>/webhook-token}, generating it
     * on first start. The token itself is never logged.
     */
    /** Returns {@code bridge.management.token}, or a random one kept in {@code <data-dir>/management-token}. */
    static String managementToken(BridgeSettings settings) {
        var configured = settings.optional("bridge.management.token");
        if (configured.isPresent()) {
            return configured.get();
        }
        return SecretFiles.readOrCreate(settings.dataDir().resolve("management-token"), 24,
                "bridge.management.token");
    }

    static String webhookToken(BridgeSettings settings) {
        var configured = settings.optional("bridge.webhook.token");
        if (configured.isPresent()) {
            return configured.get();
        }
        Path file = settings.dataDir().resolve("webhook-token");
        boolean generated = !Files.exists(file);
        String token = SecretFiles.readOrCreate(file, 24, "bridge.webhook.token");
        if (generated) {
            LOG.info("No bridge.webhook.token is set, so a random one was written to {}. Configure EvolutionAPI to "
                    + "send it (see README: Configure EvolutionAPI).", file);
        }
        return token;
    }
}
