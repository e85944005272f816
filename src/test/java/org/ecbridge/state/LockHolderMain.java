package org.ecbridge.state;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * A second process for {@link RedisStateStoreTest}: takes a lock in Redis, prints {@code LOCKED} and holds it,
 * renewing it, until it is killed. Arguments: Redis URL, key prefix, lock key, lease in milliseconds.
 */
public final class LockHolderMain {

    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        Duration lease = Duration.ofMillis(Long.parseLong(args[3]));
        RedisSettings settings = new RedisSettings(args[0], Optional.empty(), Optional.empty(), 0, args[1],
                Duration.ofSeconds(2), Duration.ofSeconds(2), 1, lease, Duration.ofMillis(200));
        RedisConnectionMonitor monitor = new RedisConnectionMonitor(settings.safeUrl(), Clock.systemUTC());
        RedisStateStore store = new RedisStateStore(settings, "lock-holder-process", monitor);
        monitor.start(store::ping, settings.checkInterval());
        store.lock(args[2], Duration.ofSeconds(10), lease);
        System.out.println("LOCKED");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
