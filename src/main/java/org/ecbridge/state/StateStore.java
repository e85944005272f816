package org.ecbridge.state;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Small shared facts with an expiry: cached Chatwoot contact and conversation ids, WhatsApp to Chatwoot message
 * id mappings, per-contact locks, and scored sets of ids (such as the messages an agent has not read yet). Values
 * and members are ids, never message bodies or media.
 */
public interface StateStore extends AutoCloseable {

    Optional<String> get(String key);

    void put(String key, String value, Duration ttl);

    void delete(String key);

    /**
     * Adds {@code member} to the scored set {@code key}, or changes its score, and sets the whole set to expire
     * {@code ttl} from now. When the set then has more than {@code maxMembers} members, the ones with the lowest
     * scores are removed.
     */
    void addScored(String key, String member, double score, Duration ttl, int maxMembers);

    /** Returns the members of the scored set {@code key} with a score of at most {@code maxScore}, lowest first. */
    List<ScoredMember> scoredUpTo(String key, double maxScore, int limit);

    /** Removes members from the scored set {@code key}; the set is deleted with its last member. */
    void removeScored(String key, Collection<String> members);

    /** A member of a scored set. */
    record ScoredMember(String member, double score) {
    }

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
