package org.ecbridge.state;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RScoredSortedSet;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state store shared by several bridge processes: plain Redis strings and sorted sets (the scored sets) under
 * {@code bridge.redis.key-prefix}, each with a TTL, through the Redisson client that camel-redis brings.
 *
 * <p>Values and set members are ids and lock tokens only. {@link #put} and {@link #addScored} reject one over
 * {@link #MAX_VALUE_CHARS} characters, so no message body, media or base64 can end up in Redis.
 *
 * <p>A lock is a key set with {@code SET NX PX lease} to a random token. While its handle is open, a background
 * task renews it every third of the lease, so a live holder keeps it however long its work takes and a holder
 * that dies loses it after one lease. Release compares the token, so a handle releases only its own lock, from any
 * thread. Every Redis failure becomes a {@link StateStoreUnavailableException}.
 */
public final class RedisStateStore implements StateStore {

    public static final int MAX_VALUE_CHARS = 256;
    public static final int MAX_KEY_CHARS = 512;

    private static final Logger LOG = LoggerFactory.getLogger(RedisStateStore.class);
    private static final long MIN_POLL_MILLIS = 25;
    private static final long MAX_POLL_MILLIS = 250;
    /** Sets the token when the key is missing or already holds it: a lease lost with Redis's data is taken back. */
    private static final String RENEW = "local v = redis.call('get', KEYS[1]) "
            + "if v == false or v == ARGV[1] then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
            + "return 0";
    private static final String DELETE_IF_EQUAL = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('del', KEYS[1]) end return 0";
    private static final String REPLACE_IF_EQUAL_OR_MISSING = "local v = redis.call('get', KEYS[1]) "
            + "if v == false or v == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end "
            + "return 0";

    /** ZADD, PEXPIRE and trimming to the highest ARGV[4] members in one step. */
    private static final String ADD_SCORED = "redis.call('zadd', KEYS[1], ARGV[1], ARGV[2]) "
            + "redis.call('pexpire', KEYS[1], ARGV[3]) "
            + "local excess = redis.call('zcard', KEYS[1]) - tonumber(ARGV[4]) "
            + "if excess > 0 then redis.call('zremrangebyrank', KEYS[1], 0, excess - 1) end "
            + "return excess";

    private final RedissonClient client;
    private final RedisSettings settings;
    private final String ownerId;
    private final RedisConnectionMonitor monitor;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final ScheduledExecutorService renewals;

    /** A key this process holds with a token, renewed until released. */
    private record Lease(String token, long leaseMillis) {
    }

    /**
     * Connects lazily, so the bridge starts while Redis is down and uses it once it responds.
     *
     * @param ownerId names this process in lock tokens, for whoever inspects Redis
     */
    public RedisStateStore(RedisSettings settings, String ownerId, RedisConnectionMonitor monitor) {
        this.settings = settings;
        this.ownerId = ownerId;
        this.monitor = monitor;
        this.client = Redisson.create(config(settings));
        this.renewals = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "redis-lease-renewal");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(100, settings.lease().toMillis() / 3);
        renewals.scheduleWithFixedDelay(this::renewLeases, period, period, TimeUnit.MILLISECONDS);
    }

    static Config config(RedisSettings settings) {
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.setLazyInitialization(true);
        config.setThreads(2);
        config.setNettyThreads(4);
        SingleServerConfig server = config.useSingleServer()
                .setAddress(settings.url())
                .setDatabase(settings.database())
                .setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(16)
                .setSubscriptionConnectionMinimumIdleSize(0)
                .setSubscriptionConnectionPoolSize(1);
        server.setConnectTimeout((int) settings.connectTimeout().toMillis());
        server.setTimeout((int) settings.commandTimeout().toMillis());
        server.setRetryAttempts(settings.retryAttempts());
        server.setPingConnectionInterval(5000);
        server.setClientName("evolution-chatwoot-bridge");
        settings.username().ifPresent(server::setUsername);
        settings.password().ifPresent(server::setPassword);
        return config;
    }

    public String keyPrefix() {
        return settings.keyPrefix();
    }

    @Override
    public Optional<String> get(String key) {
        return call("GET", key, () -> Optional.ofNullable(bucket(key).get()));
    }

    @Override
    public void put(String key, String value, Duration ttl) {
        requireValue(key, value);
        requireTtl(key, ttl);
        call("SET", key, () -> {
            bucket(key).set(value, ttl);
            return null;
        });
    }

    /** Sets the key only when it does not exist ({@code SET NX PX}); returns whether it was set. */
    public boolean putIfAbsent(String key, String value, Duration ttl) {
        requireValue(key, value);
        requireTtl(key, ttl);
        return call("SET NX", key, () -> bucket(key).setIfAbsent(value, ttl));
    }

    /** Replaces the key's value when it is {@code expected} or missing; returns whether it was set. */
    public boolean replaceIfEqualOrMissing(String key, String expected, String value, Duration ttl) {
        requireValue(key, value);
        requireTtl(key, ttl);
        Long replaced = call("SET if equal", key, () -> script().eval(RScript.Mode.READ_WRITE,
                REPLACE_IF_EQUAL_OR_MISSING, RScript.ReturnType.INTEGER, List.of(fullKey(key)), expected, value,
                Long.toString(ttl.toMillis())));
        return replaced != null && replaced == 1;
    }

    /** Deletes the key when its value is {@code expected}; returns whether it was deleted. */
    public boolean deleteIfEqual(String key, String expected) {
        Long deleted = call("DEL if equal", key, () -> script().eval(RScript.Mode.READ_WRITE, DELETE_IF_EQUAL,
                RScript.ReturnType.INTEGER, List.of(fullKey(key)), expected));
        return deleted != null && deleted == 1;
    }

    /** Returns the remaining time to live of the key, or empty when it does not exist or never expires. */
    public Optional<Duration> ttl(String key) {
        long millis = call("PTTL", key, () -> bucket(key).remainTimeToLive());
        return millis < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
    }

    @Override
    public void delete(String key) {
        call("DEL", key, () -> bucket(key).delete());
    }

    @Override
    public void addScored(String key, String member, double score, Duration ttl, int maxMembers) {
        requireValue(key, member);
        requireTtl(key, ttl);
        call("ZADD", key, () -> script().eval(RScript.Mode.READ_WRITE, ADD_SCORED, RScript.ReturnType.INTEGER,
                List.of(fullKey(key)), BigDecimal.valueOf(score).toPlainString(), member,
                Long.toString(ttl.toMillis()), Integer.toString(maxMembers)));
    }

    @Override
    public List<ScoredMember> scoredUpTo(String key, double maxScore, int limit) {
        return call("ZRANGEBYSCORE", key, () -> scoredSet(key)
                .entryRange(Double.NEGATIVE_INFINITY, true, maxScore, true, 0, limit).stream()
                .map(entry -> new ScoredMember(entry.getValue(), entry.getScore()))
                .toList());
    }

    @Override
    public void removeScored(String key, Collection<String> members) {
        if (members.isEmpty()) {
            return;
        }
        call("ZREM", key, () -> scoredSet(key).removeAll(members));
    }

    @Override
    public LockHandle lock(String key, Duration wait, Duration lease) throws Exception {
        requireTtl(key, lease);
        String token = newToken();
        long deadline = System.nanoTime() + wait.toNanos();
        long pollMillis = MIN_POLL_MILLIS;
        while (!putIfAbsent(key, token, lease)) {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMillis <= 0) {
                throw new TimeoutException("Lock " + key + " was not free within " + wait.toMillis() + " ms");
            }
            Thread.sleep(Math.min(pollMillis, leftMillis));
            pollMillis = Math.min(MAX_POLL_MILLIS, pollMillis * 2);
        }
        return hold(key, token, lease);
    }

    /**
     * Keeps {@code key}, which the caller has just set to {@code token}, renewed until the returned handle is
     * closed; closing deletes the key if it still holds the token.
     */
    LockHandle hold(String key, String token, Duration lease) {
        Lease held = new Lease(token, lease.toMillis());
        leases.put(key, held);
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                leases.remove(key, held);
                try {
                    deleteIfEqual(key, token);
                } catch (StateStoreUnavailableException e) {
                    LOG.warn("Could not release lock {} because Redis is unavailable; it expires within {} ms", key,
                            lease.toMillis());
                }
            }
        };
    }

    /** Stops renewing {@code key} without deleting it, for a key whose value the caller has replaced. */
    void forget(String key) {
        leases.remove(key);
    }

    /** Returns a new random lock token that names this process. */
    String newToken() {
        return ownerId + ":" + UUID.randomUUID();
    }

    /** Sends a PING; true when Redis responded within the command timeout. */
    public boolean ping() {
        return client.getRedisNodes(RedisNodes.SINGLE).getInstance()
                .ping(settings.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        renewals.shutdownNow();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private void renewLeases() {
        if (!monitor.available()) {
            return;
        }
        for (Map.Entry<String, Lease> entry : leases.entrySet()) {
            Lease lease = entry.getValue();
            try {
                Long renewed = script().eval(RScript.Mode.READ_WRITE, RENEW, RScript.ReturnType.INTEGER,
                        List.of(fullKey(entry.getKey())), lease.token(), Long.toString(lease.leaseMillis()));
                if (renewed == null || renewed != 1) {
                    leases.remove(entry.getKey(), lease);
                    LOG.warn("Lock {} was taken over by another process while this one held it", entry.getKey());
                }
            } catch (RedisException e) {
                monitor.recordFailure(e);
                return;
            } catch (RuntimeException e) {
                LOG.warn("Renewing lock {} failed", entry.getKey(), e);
            }
        }
    }

    private RBucket<String> bucket(String key) {
        return client.getBucket(fullKey(key), StringCodec.INSTANCE);
    }

    private RScoredSortedSet<String> scoredSet(String key) {
        return client.getScoredSortedSet(fullKey(key), StringCodec.INSTANCE);
    }

    private RScript script() {
        return client.getScript(StringCodec.INSTANCE);
    }

    private String fullKey(String key) {
        if (key.length() > MAX_KEY_CHARS) {
            throw new IllegalArgumentException("State key of " + key.length() + " characters is longer than "
                    + MAX_KEY_CHARS + ": " + key.substring(0, 64) + "...");
        }
        return settings.keyPrefix() + key;
    }

    private <T> T call(String command, String key, Supplier<T> operation) {
        try {
            return operation.get();
        } catch (RedisException e) {
            monitor.recordFailure(e);
            throw new StateStoreUnavailableException("Redis at " + settings.safeUrl() + " failed on " + command + " "
                    + key + ": " + e.getMessage() + "; the work is retried once Redis responds", e);
        }
    }

    private static void requireValue(String key, String value) {
        if (value == null || value.length() > MAX_VALUE_CHARS) {
            throw new IllegalArgumentException("Value for state key " + key + " must be 1 to " + MAX_VALUE_CHARS
                    + " characters (ids and tokens only), but is " + (value == null ? "null" : value.length()));
        }
    }

    private static void requireTtl(String key, Duration ttl) {
        if (ttl == null || ttl.toMillis() <= 0) {
            throw new IllegalArgumentException("State key " + key + " needs a positive TTL, but got " + ttl);
        }
    }
}
