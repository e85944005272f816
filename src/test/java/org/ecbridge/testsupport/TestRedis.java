package org.ecbridge.testsupport;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.redisson.Redisson;
import org.redisson.api.RType;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * A key prefix of one test's own on a real Redis (the machine's, 127.0.0.1:6379, unless another URL is given),
 * with a direct client to inspect the keys the bridge wrote. Closing deletes every key under the prefix.
 */
public final class TestRedis implements AutoCloseable {

    public static final String MACHINE_REDIS = "redis://127.0.0.1:6379";

    private final String url;
    private final String prefix = "ecbridge-test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private final RedissonClient client;

    public TestRedis() {
        this(MACHINE_REDIS);
    }

    public TestRedis(String url) {
        this.url = url;
        Config config = new Config();
        config.setCodec(StringCodec.INSTANCE);
        config.setLazyInitialization(true);
        config.useSingleServer().setAddress(url).setConnectionMinimumIdleSize(1).setConnectionPoolSize(2)
                .setSubscriptionConnectionMinimumIdleSize(0).setTimeout(3000).setRetryAttempts(1);
        this.client = Redisson.create(config);
    }

    public String url() {
        return url;
    }

    public String prefix() {
        return prefix;
    }

    /** Returns the bridge settings that point at this Redis and prefix, with the given lease. */
    public Map<String, String> bridgeProperties(Duration lease) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("bridge.redis.url", url);
        properties.put("bridge.redis.key-prefix", prefix);
        properties.put("bridge.redis.lease-millis", Long.toString(lease.toMillis()));
        properties.put("bridge.redis.check-interval-millis", "200");
        properties.put("bridge.staging.orphan-age-millis", Long.toString(lease.toMillis() * 2));
        return properties;
    }

    /** Returns every key under the prefix (without it) with its value, or its members for a sorted set. */
    public Map<String, String> entries() {
        Map<String, String> entries = new LinkedHashMap<>();
        for (String key : client.getKeys().getKeys(KeysScanOptions.defaults().pattern(prefix + "*"))) {
            Object value = client.getKeys().getType(key) == RType.ZSET
                    ? client.getScoredSortedSet(key, StringCodec.INSTANCE).readAll()
                    : client.getBucket(key, StringCodec.INSTANCE).get();
            entries.put(key.substring(prefix.length()), value == null ? null : value.toString());
        }
        return entries;
    }

    /** Returns the remaining TTL of a key under the prefix in milliseconds (-1: none, -2: missing). */
    public long ttlMillis(String key) {
        return client.getBucket(prefix + key, StringCodec.INSTANCE).remainTimeToLive();
    }

    public String get(String key) {
        Object value = client.getBucket(prefix + key, StringCodec.INSTANCE).get();
        return value == null ? null : value.toString();
    }

    @Override
    public void close() {
        try {
            client.getKeys().deleteByPattern(prefix + "*");
        } finally {
            client.shutdown();
        }
    }
}
