package org.ecbridge.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys of accepted webhooks in a {@link StateStore}, {@code <prefix><key>} with a TTL, for an idempotent consumer of
 * one process. A key is pending in memory from {@link #add(Exchange, String)} until the same exchange confirms it
 * (then it is stored) or removes it; Camel's idempotent consumer also confirms or removes for a duplicate exchange,
 * which must not touch the first one's key. Lookups cost one map read, where Camel's
 * {@code FileIdempotentRepository} scans its whole file on every add.
 *
 * <p>{@link #contains(String)} is true for accepted keys only; {@link #isInFlight(String)} reports pending ones of
 * this process. The EvolutionAPI webhook uses this class with the embedded store and
 * {@link RedisIdempotentRepository}, which also shares the pending state, with Redis. The Chatwoot webhook, which
 * Chatwoot never retries, uses this class with either store.
 */
public final class StateStoreIdempotentRepository extends ServiceSupport
        implements IdempotentRepository, InFlightAware {

    static final String ACCEPTED = "accepted";

    private static final Logger LOG = LoggerFactory.getLogger(StateStoreIdempotentRepository.class);

    private final StateStore store;
    private final String keyPrefix;
    private final Duration acceptedTtl;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    /** Exchange property naming the key this exchange added, one per repository. */
    private final String holdProperty;

    /** @param keyPrefix prefix of the state store keys, such as {@code accepted:} */
    public StateStoreIdempotentRepository(StateStore store, String keyPrefix, Duration acceptedTtl) {
        this.store = store;
        this.keyPrefix = keyPrefix;
        this.acceptedTtl = acceptedTtl;
        this.holdProperty = "BridgeIdempotentHold:" + keyPrefix;
    }

    /**
     * Takes over the keys of a file that Camel's {@code FileIdempotentRepository} wrote (one key per line) as
     * accepted keys with the full TTL, and renames the file to {@code <name>.imported}, so that an upgrade does not
     * forget which messages were accepted.
     */
    public void importLegacyFile(Path file) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            List<String> keys = Files.readAllLines(file, StandardCharsets.UTF_8);
            keys.stream().map(String::trim).filter(key -> !key.isEmpty()).forEach(this::add);
            Files.move(file, file.resolveSibling(file.getFileName() + ".imported"),
                    StandardCopyOption.REPLACE_EXISTING);
            LOG.info("Imported {} accepted keys from {}; they expire after {} s", keys.size(), file,
                    acceptedTtl.toSeconds());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot import the accepted keys of " + file + "; move the file away to "
                    + "start without them", e);
        }
    }

    @Override
    public synchronized boolean add(Exchange exchange, String key) {
        if (pending.contains(key) || store.get(keyPrefix + key).isPresent()) {
            return false;
        }

        pending.add(key);
        exchange.setProperty(holdProperty, key);
        return true;
    }

    @Override
    public boolean confirm(Exchange exchange, String key) {
        if (!takeHold(exchange, key)) {
            return false;
        }
        store.put(keyPrefix + key, ACCEPTED, acceptedTtl);
        pending.remove(key);
        return true;
    }

    @Override
    public boolean remove(Exchange exchange, String key) {
        if (!takeHold(exchange, key)) {
            return false;
        }
        pending.remove(key);
        return true;
    }

    @Override
    public boolean contains(Exchange exchange, String key) {
        return contains(key);
    }

    /** Adds the key as accepted at once; used by callers without an exchange. */
    @Override
    public synchronized boolean add(String key) {
        if (store.get(keyPrefix + key).isPresent()) {
            return false;
        }
        store.put(keyPrefix + key, ACCEPTED, acceptedTtl);
        return true;
    }

    @Override
    public boolean contains(String key) {
        return store.get(keyPrefix + key).isPresent();
    }

    @Override
    public boolean isInFlight(String key) {
        return pending.contains(key);
    }

    @Override
    public boolean remove(String key) {
        store.delete(keyPrefix + key);
        return true;
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    /** Not supported: accepted keys expire after their TTL. */
    @Override
    public void clear() {
        throw new UnsupportedOperationException("Accepted keys expire after bridge.idempotency.ttl-seconds");
    }

    private boolean takeHold(Exchange exchange, String key) {
        if (!key.equals(exchange.getProperty(holdProperty, String.class))) {
            return false;
        }
        exchange.removeProperty(holdProperty);
        return true;
    }
}
