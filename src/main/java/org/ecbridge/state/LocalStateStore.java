package org.ecbridge.state;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded state store of a single bridge process: entries in memory, written through to an append-only
 * journal ({@code <data-dir>/state/state.jsonl}) that is compacted on start. Locks are local to the process and
 * never expire.
 */
public final class LocalStateStore implements StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStateStore.class);

    private final Path journal;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> locks = new ConcurrentHashMap<>();
    private BufferedWriter writer;

    private record Entry(String value, long expiresAtMillis) {
    }

    public LocalStateStore(Path directory, ObjectMapper mapper, Clock clock) {
        this.journal = directory.resolve("state.jsonl");
        this.mapper = mapper;
        this.clock = clock;
        try {
            Files.createDirectories(directory);
            load();
            compact();
            writer = Files.newBufferedWriter(journal, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the state journal " + journal, e);
        }
    }

    @Override
    public Optional<String> get(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.expiresAtMillis <= clock.millis()) {
            entries.remove(key, entry);
            return Optional.empty();
        }
        return Optional.of(entry.value);
    }

    @Override
    public void put(String key, String value, Duration ttl) {
        Entry entry = new Entry(value, clock.millis() + ttl.toMillis());
        entries.put(key, entry);
        append(key, entry);
    }

    @Override
    public void delete(String key) {
        if (entries.remove(key) != null) {
            append(key, null);
        }
    }

    @Override
    public LockHandle lock(String key, Duration wait, Duration lease) throws Exception {
        Semaphore lock = locks.computeIfAbsent(key, ignored -> new Semaphore(1));
        if (!lock.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("Lock " + key + " was not free within " + wait);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                lock.release();
            }
        };
    }

    @Override
    public synchronized void close() {
        try {
            if (writer != null) {
                writer.close();
                writer = null;
            }
        } catch (IOException e) {
            LOG.warn("Closing the state journal {} failed", journal, e);
        }
    }

    private synchronized void append(String key, Entry entry) {
        ObjectNode line = mapper.createObjectNode().put("k", key);
        if (entry != null) {
            line.put("v", entry.value).put("exp", entry.expiresAtMillis);
        }
        try {
            writer.write(mapper.writeValueAsString(line));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            LOG.warn("Writing key {} to the state journal {} failed; it stays in memory only", key, journal, e);
        }
    }

    private void load() throws IOException {
        if (!Files.exists(journal)) {
            return;
        }
        long now = clock.millis();
        try (BufferedReader reader = Files.newBufferedReader(journal, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                loadLine(line, now);
            }
        }
    }

    private void loadLine(String line, long now) {
        try {
            ObjectNode node = (ObjectNode) mapper.readTree(line);
            String key = node.path("k").asText();
            if (!node.has("v")) {
                entries.remove(key);
            } else if (node.path("exp").asLong() > now) {
                entries.put(key, new Entry(node.path("v").asText(), node.path("exp").asLong()));
            }
        } catch (IOException | ClassCastException e) {
            // A crash can cut the last line short; everything before it is still valid.
            LOG.warn("Skipping an unreadable line in the state journal {}", journal);
        }
    }

    private void compact() throws IOException {
        Path compacted = journal.resolveSibling("state.jsonl.tmp");
        try (BufferedWriter out = Files.newBufferedWriter(compacted, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, Entry> entry : entries.entrySet()) {
                ObjectNode line = mapper.createObjectNode().put("k", entry.getKey())
                        .put("v", entry.getValue().value).put("exp", entry.getValue().expiresAtMillis);
                out.write(mapper.writeValueAsString(line));
                out.newLine();
            }
        }
        Files.move(compacted, journal, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
