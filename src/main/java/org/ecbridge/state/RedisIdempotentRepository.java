package org.ecbridge.state;

import java.time.Duration;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Keys of accepted webhooks in Redis, {@code accepted:<instance>:<messageId>}, for the webhook route's
 * idempotent consumer, shared by every replica.
 *
 * <p>{@link #add(Exchange, String)} sets the key atomically ({@code SET NX}) to {@code pending:<token>} with the
 * lease as TTL and keeps it renewed while the exchange is in flight. {@link #confirm(Exchange, String)} turns it
 * into {@code accepted} with the idempotency TTL, and {@link #remove(Exchange, String)} deletes it, both only
 * for the exchange that added it: Camel's idempotent consumer also confirms or removes for a duplicate exchange,
 * which must not touch the first one's key. A process that dies with a key pending loses it after one lease, so
 * EvolutionAPI's next retry is accepted.
 *
 * <p>{@link #contains(String)} is true for accepted keys only, so a pending message is decoded again rather
 * than skipped; {@link #isInFlight(String)} reports pending ones.
 */
public final class RedisIdempotentRepository extends ServiceSupport implements IdempotentRepository, InFlightAware {

    static final String ACCEPTED = "accepted";
    private static final String PENDING_PREFIX = "pending:";
    private static final String HOLD_PROPERTY = "BridgeAcceptedMessageHold";

    private final RedisStateStore store;
    private final Duration acceptedTtl;
    private final Duration lease;

    /** The pending key an exchange added, so that only that exchange confirms or removes it. */
    private record Hold(String key, String pendingValue, StateStore.LockHandle renewal) {
    }

    public RedisIdempotentRepository(RedisStateStore store, Duration acceptedTtl, Duration lease) {
        this.store = store;
        this.acceptedTtl = acceptedTtl;
        this.lease = lease;
    }

    @Override
    public boolean add(Exchange exchange, String messageKey) {
        String key = key(messageKey);
        String pending = PENDING_PREFIX + store.newToken();
        if (!store.putIfAbsent(key, pending, lease)) {
            return false;
        }
        exchange.setProperty(HOLD_PROPERTY, new Hold(key, pending, store.hold(key, pending, lease)));
        return true;
    }

    @Override
    public boolean confirm(Exchange exchange, String messageKey) {
        Hold hold = takeHold(exchange, messageKey);
        if (hold == null) {
            return false;
        }
        store.forget(hold.key());
        return store.replaceIfEqualOrMissing(hold.key(), hold.pendingValue(), ACCEPTED, acceptedTtl);
    }

    @Override
    public boolean remove(Exchange exchange, String messageKey) {
        Hold hold = takeHold(exchange, messageKey);
        if (hold == null) {
            return false;
        }
        hold.renewal().close();
        return true;
    }

    @Override
    public boolean contains(Exchange exchange, String messageKey) {
        return contains(messageKey);
    }

    /** Adds the key as accepted at once; used by callers without an exchange. */
    @Override
    public boolean add(String messageKey) {
        return store.putIfAbsent(key(messageKey), ACCEPTED, acceptedTtl);
    }

    @Override
    public boolean contains(String messageKey) {
        return store.get(key(messageKey)).map(ACCEPTED::equals).orElse(false);
    }

    @Override
    public boolean isInFlight(String messageKey) {
        return store.get(key(messageKey)).map(value -> value.startsWith(PENDING_PREFIX)).orElse(false);
    }

    @Override
    public boolean remove(String messageKey) {
        store.delete(key(messageKey));
        return true;
    }

    @Override
    public boolean confirm(String messageKey) {
        return true;
    }

    /** Not supported: the keys of other replicas must not be dropped; they expire after their TTL. */
    @Override
    public void clear() {
        throw new UnsupportedOperationException("Accepted message keys in Redis expire after "
                + "bridge.idempotency.ttl-seconds; delete them with redis-cli if they must go sooner");
    }

    /** Returns the remaining TTL of a message's key, for tests. */
    public Optional<Duration> ttl(String messageKey) {
        return store.ttl(key(messageKey));
    }

    static String key(String messageKey) {
        return "accepted:" + messageKey;
    }

    private static Hold takeHold(Exchange exchange, String messageKey) {
        Hold hold = exchange.getProperty(HOLD_PROPERTY, Hold.class);
        if (hold == null || !hold.key().equals(key(messageKey))) {
            return null;
        }
        exchange.removeProperty(HOLD_PROPERTY);
        return hold;
    }
}
