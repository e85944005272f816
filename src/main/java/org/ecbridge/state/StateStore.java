package org.ecbridge.state;

import java.time.Duration;
import java.util.Optional;

/**
 * Small shared facts with an expiry: cached Chatwoot contact and conversation ids, WhatsApp to Chatwoot message
 * id mappings, and per-contact locks. Values are ids, never message bodies or media.
 */
public interface StateStore extends AutoCloseable {

    Optional<String> get(String key);

    void put(String key, String value, Duration ttl);

    void delete(String key);

    /**
     * Takes the lock named {@code key}, so that concurrent deliveries for one contact create one contact and one
     * conversation. The lock is not bound to the calling thread; closing the returned handle releases it, and a
     * store shared by several processes lets it expire after {@code lease} if its holder dies.
     *
     * @throws java.util.concurrent.TimeoutException when the lock is not free within {@code wait}
     */
    LockHandle lock(String key, Duration wait, Duration lease) throws Exception;

    /**
     * Takes the lock named {@code key} if it is free now, without waiting.
     *
     * @return the held lock, or empty when another holder has it
     */
    default Optional<LockHandle> tryLock(String key, Duration lease) throws Exception {
        try {
            return Optional.of(lock(key, Duration.ZERO, lease));
        } catch (java.util.concurrent.TimeoutException held) {
            return Optional.empty();
        }
    }

    /** A held lock; closing it releases the lock. */
    interface LockHandle extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    void close();
}
