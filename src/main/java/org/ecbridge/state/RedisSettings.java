package org.ecbridge.state;

import java.time.Duration;
import java.util.Optional;

import org.ecbridge.config.BridgeSettings;

/**
 * Connection and key settings of the Redis state store, from the {@code bridge.redis.*} properties.
 *
 * @param url           {@code redis://host:port}, or {@code rediss://host:port} for TLS
 * @param lease         how long a lock, claim or in-flight key of a process that died blocks the others; holders
 *                      that are alive renew it every third of this
 * @param checkInterval how often the connection is checked with a PING for the readiness check
 */
public record RedisSettings(String url, Optional<String> username, Optional<String> password, int database,
        String keyPrefix, Duration connectTimeout, Duration commandTimeout, int retryAttempts, Duration lease,
        Duration checkInterval) {

    public static final String URL = "bridge.redis.url";

    /** Returns the settings when {@code bridge.redis.url} is set, or empty for the embedded local state store. */
    public static Optional<RedisSettings> load(BridgeSettings settings) {
        Optional<String> url = settings.optional(URL);
        if (url.isEmpty()) {
            return Optional.empty();
        }
        if (!url.get().startsWith("redis://") && !url.get().startsWith("rediss://")) {
            throw new IllegalStateException(URL + " must look like redis://host:6379 or rediss://host:6380 for TLS, "
                    + "but is '" + url.get() + "'");
        }
        String prefix = settings.string("bridge.redis.key-prefix", "ecbridge:");
        Duration lease = Duration.ofMillis(settings.longValue("bridge.redis.lease-millis", 30_000));
        if (lease.toMillis() < 300) {
            throw new IllegalStateException("bridge.redis.lease-millis must be at least 300, but is "
                    + lease.toMillis());
        }
        return Optional.of(new RedisSettings(url.get(), settings.optional("bridge.redis.username"),
                settings.optional("bridge.redis.password"), (int) settings.longValue("bridge.redis.database", 0),
                prefix,
                Duration.ofMillis(settings.longValue("bridge.redis.connect-timeout-millis", 2000)),
                Duration.ofMillis(settings.longValue("bridge.redis.timeout-millis", 2000)),
                (int) settings.longValue("bridge.redis.retry-attempts", 1),
                lease,
                Duration.ofMillis(settings.longValue("bridge.redis.check-interval-millis", 2000))));
    }

    /** Returns the URL without any user information, for logs and health details. */
    public String safeUrl() {
        return url.replaceFirst("//[^@/]*@", "//");
    }
}
