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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * journal ({@code <data-dir>/state/state.jsonl}) that is compacted on start. A scored set's members are journal
 * lines of their own, with the set's expiry. Once a minute expired entries leave memory, and the journal is
 * rewritten once it has grown to more than twice the live lines. Locks are local to the process and never expire.
 */
public final class LocalStateStore implements StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStateStore.class);
    private static final long MAINTENANCE_PERIOD_SECONDS = 60;
    /** The journal is not rewritten below this many lines, however few of them are live. */
    private static final long MIN_COMPACTION_LINES = 10_000;

    private final Path journal;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> locks = new ConcurrentHashMap<>();
    /** Scored sets by key; every access holds the map's monitor. */
    private final Map<String, ScoredSet> scoredSets = new HashMap<>();
    private BufferedWriter writer;
    /** Lines in the journal file; guarded by this store's monitor. */
    private long journalLines;
    private final ScheduledExecutorService maintenance;

    private record Entry(String value, long expiresAtMillis) {
    }

    private static final class ScoredSet {
        private final Map<String, Double> scores = new HashMap<>();
        private long expiresAtMillis;
    }

    public LocalStateStore(Path directory, ObjectMapper mapper, Clock clock) {
        this.journal = directory.resolve("state.jsonl");
        this.mapper = mapper;
        this.clock = clock;
        try {
            Files.createDirectories(directory);
            load();
            compact();
            writer = openJournal();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the state journal " + journal, e);
        }
        maintenance = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "state-journal-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        maintenance.scheduleWithFixedDelay(this::maintainQuietly, MAINTENANCE_PERIOD_SECONDS,
                MAINTENANCE_PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Drops expired entries and scored sets from memory, and rewrites the journal with the live ones once it has
     * more than twice their lines (and at least {@link #MIN_COMPACTION_LINES}).
     */
    void maintain() throws IOException {
        long now = clock.millis();
        entries.entrySet().removeIf(entry -> entry.getValue().expiresAtMillis <= now);
        synchronized (scoredSets) {
            scoredSets.values().removeIf(set -> set.scores.isEmpty() || set.expiresAtMillis <= now);
            long scoredMembers = scoredSets.values().stream().mapToLong(set -> set.scores.size()).sum();
            synchronized (this) {
                long liveLines = entries.size() + scoredMembers;
                if (writer == null || journalLines <= Math.max(MIN_COMPACTION_LINES, 2 * liveLines)) {
                    return;
                }
                long before = journalLines;
                writer.close();
                compact();
                writer = openJournal();
                LOG.info("Compacted the state journal {} from {} to {} lines", journal, before, journalLines);
            }
        }
    }

    private void maintainQuietly() {
        try {
            maintain();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Maintaining the state journal {} failed; retrying in {} s", journal,
                    MAINTENANCE_PERIOD_SECONDS, e);
        }
    }

    private BufferedWriter openJournal() throws IOException {
        return Files.newBufferedWriter(journal, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
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
    public void addScored(String key, String member, double score, Duration ttl, int maxMembers) {
        long expiresAtMillis = clock.millis() + ttl.toMillis();
        List<String> dropped;
        synchronized (scoredSets) {
            ScoredSet set = liveScoredSet(key);
            if (set == null) {
                set = new ScoredSet();
                scoredSets.put(key, set);
            }
            set.scores.put(member, score);
            set.expiresAtMillis = expiresAtMillis;
            dropped = lowest(set, set.scores.size() - maxMembers);
            dropped.forEach(set.scores::remove);
            appendScored(key, member, score, expiresAtMillis);
            dropped.forEach(removed -> appendScored(key, removed, null, 0));
        }
    }

    @Override
    public List<ScoredMember> scoredUpTo(String key, double maxScore, int limit) {
        synchronized (scoredSets) {
            ScoredSet set = liveScoredSet(key);
            if (set == null) {
                return List.of();
            }
            return set.scores.entrySet().stream()
                    .filter(entry -> entry.getValue() <= maxScore)
                    .sorted(Map.Entry.comparingByValue())
                    .limit(limit)
                    .map(entry -> new ScoredMember(entry.getKey(), entry.getValue()))
                    .toList();
        }
    }

    @Override
    public void removeScored(String key, Collection<String> members) {
        synchronized (scoredSets) {
            ScoredSet set = liveScoredSet(key);
            if (set == null) {
                return;
            }
            for (String member : members) {
                if (set.scores.remove(member) != null) {
                    appendScored(key, member, null, 0);
                }
            }
            if (set.scores.isEmpty()) {
                scoredSets.remove(key);
            }
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
        maintenance.shutdownNow();
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
        writeLine(key, line);
    }

    private synchronized void writeLine(String key, ObjectNode line) {
        try {
            writer.write(mapper.writeValueAsString(line));
            writer.newLine();
            writer.flush();
            journalLines++;
        } catch (IOException e) {
            LOG.warn("Writing key {} to the state journal {} failed; it stays in memory only", key, journal, e);
        }
    }

    /** Returns the set at {@code key} unless it is missing or expired; the caller holds {@code scoredSets}. */
    private ScoredSet liveScoredSet(String key) {
        ScoredSet set = scoredSets.get(key);
        if (set != null && set.expiresAtMillis <= clock.millis()) {
            scoredSets.remove(key);
            return null;
        }
        return set;
    }

    private static List<String> lowest(ScoredSet set, int count) {
        if (count <= 0) {
            return List.of();
        }
        return set.scores.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .limit(count)
                .map(Map.Entry::getKey)
                .toList();
    }

    /** Appends a scored set member, or its removal when {@code score} is null. */
    private synchronized void appendScored(String key, String member, Double score, long expiresAtMillis) {
        ObjectNode line = mapper.createObjectNode().put("k", key).put("m", member);
        if (score != null) {
            line.put("s", score).put("exp", expiresAtMillis);
        }
        writeLine(key, line);
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
            if (node.has("m")) {
                loadScored(key, node);
            } else if (!node.has("v")) {
                entries.remove(key);
            } else if (node.path("exp").asLong() > now) {
                entries.put(key, new Entry(node.path("v").asText(), node.path("exp").asLong()));
            }
        } catch (IOException | ClassCastException e) {
            // A crash can cut the last line short; everything before it is still valid.
            LOG.warn("Skipping an unreadable line in the state journal {}", journal);
        }
    }

    private void loadScored(String key, ObjectNode node) {
        String member = node.path("m").asText();
        if (node.has("s")) {
            ScoredSet set = scoredSets.computeIfAbsent(key, ignored -> new ScoredSet());
            set.scores.put(member, node.path("s").asDouble());
            set.expiresAtMillis = node.path("exp").asLong();
        } else if (scoredSets.containsKey(key)) {
            scoredSets.get(key).scores.remove(member);
        }
    }

    /** Rewrites the journal with the live entries; the caller holds {@code scoredSets} and this store's monitor. */
    private void compact() throws IOException {
        Path compacted = journal.resolveSibling("state.jsonl.tmp");
        long lines = 0;
        long now = clock.millis();
        try (BufferedWriter out = Files.newBufferedWriter(compacted, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, Entry> entry : entries.entrySet()) {
                if (entry.getValue().expiresAtMillis <= now) {
                    continue;
                }
                lines++;
                ObjectNode line = mapper.createObjectNode().put("k", entry.getKey())
                        .put("v", entry.getValue().value).put("exp", entry.getValue().expiresAtMillis);
                out.write(mapper.writeValueAsString(line));
                out.newLine();
            }
            scoredSets.values().removeIf(set -> set.scores.isEmpty() || set.expiresAtMillis <= now);
            for (Map.Entry<String, ScoredSet> set : scoredSets.entrySet()) {
                for (Map.Entry<String, Double> member : set.getValue().scores.entrySet()) {
                    lines++;
                    ObjectNode line = mapper.createObjectNode().put("k", set.getKey()).put("m", member.getKey())
                            .put("s", member.getValue()).put("exp", set.getValue().expiresAtMillis);
                    out.write(mapper.writeValueAsString(line));
                    out.newLine();
                }
            }
        }
        Files.move(compacted, journal, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        journalLines = lines;
    }
}
