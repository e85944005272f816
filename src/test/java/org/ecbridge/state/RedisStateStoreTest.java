package org.ecbridge.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.ecbridge.testsupport.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Redis state store and idempotent repository against the machine's Redis, under a prefix of their own. */
class RedisStateStoreTest {

    private static final Duration LEASE = Duration.ofMillis(900);

    private TestRedis redis;
    private RedisConnectionMonitor monitor;
    private RedisStateStore store;
    private final DefaultCamelContext camel = new DefaultCamelContext();

    @BeforeEach
    void connect() {
        redis = new TestRedis();
        monitor = new RedisConnectionMonitor(redis.url(), Clock.systemUTC());
        store = newStore("test-process");
        monitor.start(store::ping, Duration.ofMillis(200));
    }

    @AfterEach
    void cleanUp() {
        store.close();
        monitor.close();
        redis.close();
    }

    @Test
    void cachedIdExpiresAfterItsTtl() throws Exception {
        store.put("contact:1:5511900000001", "42", Duration.ofMillis(400));

        assertEquals(Optional.of("42"), store.get("contact:1:5511900000001"));
        assertEquals("42", redis.get("contact:1:5511900000001"), "stored under the prefix");
        long ttl = redis.ttlMillis("contact:1:5511900000001");
        assertTrue(ttl > 0, "TTL in Redis: " + ttl);
        assertTrue(ttl <= 400, "TTL in Redis: " + ttl);
        Thread.sleep(600);
        assertEquals(Optional.empty(), store.get("contact:1:5511900000001"));
    }

    @Test
    void deleteRemovesTheKey() {
        store.put("conversation:1:7:x", "9", Duration.ofMinutes(1));
        store.delete("conversation:1:7:x");

        assertEquals(Optional.empty(), store.get("conversation:1:7:x"));
    }

    @Test
    void valueOverTheLimitIsRejected() {
        String body = "x".repeat(RedisStateStore.MAX_VALUE_CHARS + 1);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> store.put("message:body", body, Duration.ofMinutes(1)));
        assertTrue(error.getMessage().contains("ids and tokens only"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.put("no-ttl", "1", Duration.ZERO));
        assertTrue(redis.entries().isEmpty(), "nothing written: " + redis.entries());
    }

    @Test
    void scoredSetKeepsHighestMembersUnderItsTtl() throws Exception {
        store.addScored("unread:1:4", "101", 1_700_000_001, Duration.ofMinutes(1), 3);
        store.addScored("unread:1:4", "102", 1_700_000_002, Duration.ofMinutes(1), 3);
        store.addScored("unread:1:4", "103", 1_700_000_003, Duration.ofMinutes(1), 3);
        store.addScored("unread:1:4", "104", 1_700_000_004, Duration.ofMillis(800), 3);

        List<StateStore.ScoredMember> upTo = store.scoredUpTo("unread:1:4", 1_700_000_003, 10);
        assertEquals(List.of(new StateStore.ScoredMember("102", 1_700_000_002),
                new StateStore.ScoredMember("103", 1_700_000_003)), upTo, "101 was trimmed as the lowest");
        assertEquals(1, store.scoredUpTo("unread:1:4", Double.MAX_VALUE, 1).size(), "limit");
        long ttl = redis.ttlMillis("unread:1:4");
        assertTrue(ttl > 0, "the set has a TTL: " + ttl);
        assertTrue(ttl <= 800, "the last add set the TTL: " + ttl);

        store.removeScored("unread:1:4", List.of("102", "104", "999"));
        assertEquals(List.of(new StateStore.ScoredMember("103", 1_700_000_003)),
                store.scoredUpTo("unread:1:4", Double.MAX_VALUE, 10));
        Thread.sleep(1000);
        assertEquals(List.of(), store.scoredUpTo("unread:1:4", Double.MAX_VALUE, 10));
        assertTrue(redis.entries().isEmpty(), "expired: " + redis.entries());
    }

    @Test
    void scoredMemberOverTheLimitIsRejected() {
        String member = "x".repeat(RedisStateStore.MAX_VALUE_CHARS + 1);

        assertThrows(IllegalArgumentException.class,
                () -> store.addScored("unread:1:5", member, 1, Duration.ofMinutes(1), 10));
        assertTrue(redis.entries().isEmpty(), "nothing written: " + redis.entries());
    }

    @Test
    void lockIsExclusiveBetweenThreadsAndReleasedByHandle() throws Exception {
        StateStore.LockHandle first = store.lock("lock:chat:a", Duration.ofSeconds(1), LEASE);
        CompletableFuture<StateStore.LockHandle> second = CompletableFuture.supplyAsync(() -> {
            try {
                return store.lock("lock:chat:a", Duration.ofSeconds(5), LEASE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        Thread.sleep(3 * LEASE.toMillis());
        assertFalse(second.isDone(), "the lock is renewed while its handle is open, so the waiter still waits");
        // Released from another thread than the one that took it.
        CompletableFuture.runAsync(first::close).get(5, TimeUnit.SECONDS);
        StateStore.LockHandle taken = second.get(5, TimeUnit.SECONDS);
        taken.close();
        first.close();
        assertEquals(-2, redis.ttlMillis("lock:chat:a"), "released: the key is gone");
    }

    @Test
    void lockWaitEndsWithTimeout() throws Exception {
        try (StateStore.LockHandle held = store.lock("lock:chat:b", Duration.ofSeconds(1), LEASE)) {
            assertThrows(TimeoutException.class, () -> store.lock("lock:chat:b", Duration.ofMillis(200), LEASE));
            assertTrue(store.tryLock("lock:chat:b", LEASE).isEmpty());
        }
    }

    @Test
    void lockOfADeadHolderExpiresAfterItsLease() throws Exception {
        RedisStateStore dying = newStore("dying-process");
        dying.lock("lock:chat:c", Duration.ofSeconds(1), LEASE);
        dying.close();

        long start = System.nanoTime();
        try (StateStore.LockHandle taken = store.lock("lock:chat:c", Duration.ofSeconds(5), LEASE)) {
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waitedMillis <= LEASE.toMillis() + 500, "waited " + waitedMillis + " ms");
        }
    }

    @Test
    void lockHeldByAnotherProcessBlocksUntilThatProcessDies() throws Exception {
        Process holder = startLockHolder("lock:chat:d");
        try {
            assertThrows(TimeoutException.class, () -> store.lock("lock:chat:d", Duration.ofMillis(2500), LEASE),
                    "the other process renews its lock while it lives");
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

            try (StateStore.LockHandle taken = store.lock("lock:chat:d", LEASE.plusSeconds(2), LEASE)) {
                assertTrue(redis.get("lock:chat:d").startsWith("test-process:"), redis.get("lock:chat:d"));
            }
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void acceptedMessageIsAddedOnceAndKeptForItsTtl() {
        RedisIdempotentRepository accepted = new RedisIdempotentRepository(store, Duration.ofSeconds(60), LEASE);
        Exchange first = new DefaultExchange(camel);
        Exchange retry = new DefaultExchange(camel);

        assertTrue(accepted.add(first, "atendimento:ABC"));
        assertFalse(accepted.add(retry, "atendimento:ABC"), "the same id again is a duplicate");
        assertTrue(accepted.isInFlight("atendimento:ABC"));
        assertFalse(accepted.contains("atendimento:ABC"), "not accepted while in flight");
        assertFalse(accepted.remove(retry, "atendimento:ABC"), "a duplicate exchange cannot drop the first's key");
        assertTrue(accepted.confirm(first, "atendimento:ABC"));

        assertTrue(accepted.contains("atendimento:ABC"));
        assertFalse(accepted.isInFlight("atendimento:ABC"));
        long ttl = redis.ttlMillis("accepted:atendimento:ABC");
        assertTrue(ttl > 55_000, "TTL of an accepted key: " + ttl);
        assertTrue(ttl <= 60_000, "TTL of an accepted key: " + ttl);
    }

    @Test
    void failedMessageKeyIsRemovedForTheRetry() {
        RedisIdempotentRepository accepted = new RedisIdempotentRepository(store, Duration.ofSeconds(60), LEASE);
        Exchange failed = new DefaultExchange(camel);

        accepted.add(failed, "atendimento:DEF");
        accepted.remove(failed, "atendimento:DEF");

        assertEquals(-2, redis.ttlMillis("accepted:atendimento:DEF"));
        assertTrue(accepted.add(new DefaultExchange(camel), "atendimento:DEF"));
    }

    @Test
    void pendingKeyIsRenewedWhileInFlightAndExpiresWhenItsProcessDies() throws Exception {
        RedisStateStore dying = newStore("dying-process");
        RedisIdempotentRepository dyingRepository = new RedisIdempotentRepository(dying, Duration.ofSeconds(60),
                LEASE);
        RedisIdempotentRepository accepted = new RedisIdempotentRepository(store, Duration.ofSeconds(60), LEASE);
        Exchange inFlight = new DefaultExchange(camel);

        assertTrue(dyingRepository.add(inFlight, "atendimento:GHI"));
        Thread.sleep(3 * LEASE.toMillis());
        assertTrue(accepted.isInFlight("atendimento:GHI"), "renewed past its lease while the process lives");
        dying.close();
        Thread.sleep(LEASE.toMillis() + 300);

        assertFalse(accepted.isInFlight("atendimento:GHI"), "expired one lease after its process died");
        assertTrue(accepted.add(new DefaultExchange(camel), "atendimento:GHI"), "the retry is accepted");
    }

    @Test
    void everyKeyHasThePrefixAndATtl() throws Exception {
        RedisIdempotentRepository accepted = new RedisIdempotentRepository(store, Duration.ofSeconds(60), LEASE);
        store.put("contact:1:x", "5", Duration.ofMinutes(30));
        accepted.add(new DefaultExchange(camel), "atendimento:JKL");
        try (StateStore.LockHandle lock = store.lock("lock:chat:e", Duration.ofSeconds(1), LEASE)) {
            for (String key : redis.entries().keySet()) {
                assertTrue(redis.ttlMillis(key) > 0, key + " has no TTL");
            }
            assertEquals(3, redis.entries().size(), redis.entries().toString());
        }
    }

    private RedisStateStore newStore(String ownerId) {
        RedisSettings settings = new RedisSettings(redis.url(), Optional.empty(), Optional.empty(), 0,
                redis.prefix(), Duration.ofSeconds(2), Duration.ofSeconds(2), 1, LEASE, Duration.ofMillis(200));
        return new RedisStateStore(settings, ownerId, monitor);
    }

    private Process startLockHolder(String key) throws Exception {
        String classpath = String.join(File.pathSeparator, Path.of("target", "test-classes").toAbsolutePath()
                .toString(), Path.of("target", "classes").toAbsolutePath().toString(),
                Files.readString(Path.of("target", "test-classpath.txt"), StandardCharsets.UTF_8).trim());
        Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx64m", "-cp", classpath, LockHolderMain.class.getName(), redis.url(), redis.prefix(),
                key, Long.toString(LEASE.toMillis()))).redirectErrorStream(true).start();
        CountDownLatch locked = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.equals("LOCKED")) {
                        locked.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // The process was killed.
            }
        });
        reader.setDaemon(true);
        reader.start();
        assertTrue(locked.await(30, TimeUnit.SECONDS), "the second process did not take the lock");
        return process;
    }
}
