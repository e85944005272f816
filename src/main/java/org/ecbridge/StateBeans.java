package org.ecbridge;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.processors.webhook.DuplicateWebhooks;
import org.ecbridge.processors.webhook.StateStoreGuard;
import org.ecbridge.staging.DeliveryClaims;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.staging.StagingRecovery;
import org.ecbridge.state.LocalStateStore;
import org.ecbridge.state.RedisConnectionMonitor;
import org.ecbridge.state.RedisHealthCheck;
import org.ecbridge.state.RedisIdempotentRepository;
import org.ecbridge.state.RedisSettings;
import org.ecbridge.state.RedisStateStore;
import org.ecbridge.state.StateStore;
import org.ecbridge.state.StateStoreIdempotentRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the state store and binds what depends on it: Redis when {@code bridge.redis.url} is set, shared by
 * every replica, and otherwise the embedded store under {@code <data-dir>/state} for a single process. Binds
 * {@code stateStore}, {@code acceptedMessages}, {@code stateStoreGuard}, {@code duplicateWebhooks} and
 * {@code deliveryClaims}, and with Redis also the readiness check {@code ecbridge/redis}.
 */
public final class StateBeans {

    private static final Logger LOG = LoggerFactory.getLogger(StateBeans.class);
    /** Lease of locks and claims in the embedded store, which never expires them; it only bounds a TTL. */
    private static final Duration LOCAL_LEASE = Duration.ofMinutes(10);

    private final StateStore store;
    private final IdempotentRepository acceptedMessages;
    private final RedisConnectionMonitor monitor;
    private final Duration lease;
    private final Duration orphanAge;
    private final List<AutoCloseable> resources;

    private StateBeans(StateStore store, IdempotentRepository acceptedMessages, RedisConnectionMonitor monitor,
            Duration lease, Duration orphanAge, List<AutoCloseable> resources) {
        this.store = store;
        this.acceptedMessages = acceptedMessages;
        this.monitor = monitor;
        this.lease = lease;
        this.orphanAge = orphanAge;
        this.resources = resources;
    }

    /** Creates the state store and the idempotent repository and binds them with the webhook's guards. */
    public static StateBeans bind(CamelContext context, BridgeSettings settings, ObjectMapper mapper)
            throws Exception {
        Optional<RedisSettings> redis = RedisSettings.load(settings);
        StateBeans beans = redis.isPresent() ? redis(context, settings, redis.get()) : local(settings, mapper);
        Registry registry = context.getRegistry();
        registry.bind("stateStore", beans.store);
        registry.bind("acceptedMessages", beans.acceptedMessages);
        registry.bind("stateStoreGuard", new StateStoreGuard(beans::unavailableReason));
        registry.bind("duplicateWebhooks", new DuplicateWebhooks(beans.acceptedMessages));
        closeOnStop(context, beans.resources);
        return beans;
    }

    public StateStore store() {
        return store;
    }

    public IdempotentRepository acceptedMessages() {
        return acceptedMessages;
    }

    /** Returns the lease after which a dead process's lock expires in Redis; embedded locks never expire. */
    public Duration lockLease() {
        return lease;
    }

    /**
     * Prepares the staging area and binds {@code deliveryClaims}. A single process takes back everything left
     * half done at once. With Redis, replicas share the folder, so only what a dead process left is taken back,
     * at start and then on a schedule.
     */
    public void openStaging(CamelContext context, StagingArea staging) throws Exception {
        BooleanSupplier available = () -> monitor == null || monitor.available();
        DeliveryClaims claims = new DeliveryClaims(store, staging, lease, available);
        context.getRegistry().bind("deliveryClaims", claims);
        List<AutoCloseable> closing = new ArrayList<>(List.of(claims));
        if (monitor == null) {
            staging.open();
        } else {
            StagingRecovery recovery = new StagingRecovery(staging, store, lease, orphanAge, available);
            recovery.start();
            closing.add(recovery);
        }
        closeOnStop(context, closing);
    }

    private Optional<String> unavailableReason() {
        return monitor == null ? Optional.empty() : monitor.unavailableReason();
    }

    private static StateBeans local(BridgeSettings settings, ObjectMapper mapper) {
        LocalStateStore store = new LocalStateStore(settings.dataDir().resolve("state"), mapper, Clock.systemUTC());
        StateStoreIdempotentRepository accepted = new StateStoreIdempotentRepository(store, "accepted:",
                Duration.ofSeconds(settings.longValue("bridge.idempotency.ttl-seconds", 86_400)));
        accepted.importLegacyFile(settings.dataDir().resolve("state").resolve("accepted-messages.dat"));
        LOG.info("State store: embedded, in {} (set bridge.redis.url to share state between replicas)",
                settings.dataDir().resolve("state"));
        return new StateBeans(store, accepted, null, LOCAL_LEASE, Duration.ZERO, List.of(store));
    }

    private static StateBeans redis(CamelContext context, BridgeSettings settings, RedisSettings redis) {
        String ownerId = settings.string("bridge.replica-id", defaultReplicaId());
        RedisConnectionMonitor monitor = new RedisConnectionMonitor(redis.safeUrl(), Clock.systemUTC());
        RedisStateStore store = new RedisStateStore(redis, ownerId, monitor);
        monitor.start(store::ping, redis.checkInterval());
        Duration acceptedTtl = Duration.ofSeconds(settings.longValue("bridge.idempotency.ttl-seconds", 86_400));
        RedisIdempotentRepository accepted = new RedisIdempotentRepository(store, acceptedTtl, redis.lease());
        context.getRegistry().bind("redisHealthCheck", new RedisHealthCheck(monitor, redis.safeUrl()));
        Duration orphanAge = Duration.ofMillis(settings.longValue("bridge.staging.orphan-age-millis", 120_000));
        if (orphanAge.compareTo(redis.lease().multipliedBy(2)) < 0) {
            throw new IllegalStateException("bridge.staging.orphan-age-millis (" + orphanAge.toMillis() + ") must be "
                    + "at least twice bridge.redis.lease-millis (" + redis.lease().toMillis() + ")");
        }
        LOG.info("State store: Redis at {} with key prefix '{}', replica id {}, lease {} ms ({})", redis.safeUrl(),
                redis.keyPrefix(), ownerId, redis.lease().toMillis(),
                monitor.available() ? "reachable" : "not reachable yet");
        return new StateBeans(store, accepted, monitor, redis.lease(), orphanAge, List.of(monitor, store));
    }

    private static String defaultReplicaId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }

    /** Closes {@code resources} in reverse order when the Camel context stops, after its routes. */
    static void closeOnStop(CamelContext context, List<? extends AutoCloseable> resources) throws Exception {
        List<AutoCloseable> reversed = new ArrayList<>(resources);
        java.util.Collections.reverse(reversed);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                for (AutoCloseable resource : reversed) {
                    try {
                        resource.close();
                    } catch (Exception e) {
                        LOG.warn("Closing {} failed", resource.getClass().getSimpleName(), e);
                    }
                }
            }
        }, true, true);
    }
}
