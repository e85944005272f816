package org.ecbridge.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded state store, including what its journal brings back after a restart. */
class LocalStateStoreTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock();

    @Test
    void scoredSetSurvivesRestart() {
        try (LocalStateStore store = new LocalStateStore(directory, MAPPER, clock)) {
            store.addScored("unread:1:4", "101", 10, Duration.ofMinutes(5), 3);
            store.addScored("unread:1:4", "102", 20, Duration.ofMinutes(5), 3);
            store.addScored("unread:1:4", "103", 30, Duration.ofMinutes(5), 3);
            store.removeScored("unread:1:4", List.of("102"));
            store.put("contact:1:x", "5", Duration.ofMinutes(5));
        }

        try (LocalStateStore reopened = new LocalStateStore(directory, MAPPER, clock)) {
            assertEquals(List.of(new StateStore.ScoredMember("101", 10), new StateStore.ScoredMember("103", 30)),
                    reopened.scoredUpTo("unread:1:4", 100, 10));
            assertEquals(Optional.of("5"), reopened.get("contact:1:x"));
        }
        try (LocalStateStore compactedTwice = new LocalStateStore(directory, MAPPER, clock)) {
            assertEquals(2, compactedTwice.scoredUpTo("unread:1:4", 100, 10).size());
        }
    }

    @Test
    void scoredSetKeepsHighestMembers() {
        try (LocalStateStore store = new LocalStateStore(directory, MAPPER, clock)) {
            for (int i = 1; i <= 5; i++) {
                store.addScored("unread:1:4", "10" + i, i, Duration.ofMinutes(5), 3);
            }

            assertEquals(List.of(new StateStore.ScoredMember("103", 3), new StateStore.ScoredMember("104", 4)),
                    store.scoredUpTo("unread:1:4", 4, 10));
            assertEquals(List.of(new StateStore.ScoredMember("103", 3)), store.scoredUpTo("unread:1:4", 9, 1));
        }
        try (LocalStateStore reopened = new LocalStateStore(directory, MAPPER, clock)) {
            assertEquals(3, reopened.scoredUpTo("unread:1:4", 9, 10).size(), "trimmed members stay removed");
        }
    }

    @Test
    void scoredSetExpiresAfterLastAdd() {
        try (LocalStateStore store = new LocalStateStore(directory, MAPPER, clock)) {
            store.addScored("unread:1:4", "101", 1, Duration.ofMinutes(1), 10);
            clock.advance(Duration.ofSeconds(50));
            store.addScored("unread:1:4", "102", 2, Duration.ofMinutes(1), 10);
            clock.advance(Duration.ofSeconds(50));

            assertEquals(2, store.scoredUpTo("unread:1:4", 9, 10).size(), "the second add renewed the set");
            clock.advance(Duration.ofSeconds(11));
            assertEquals(List.of(), store.scoredUpTo("unread:1:4", 9, 10));
        }
        try (LocalStateStore reopened = new LocalStateStore(directory, MAPPER, clock)) {
            assertEquals(List.of(), reopened.scoredUpTo("unread:1:4", 9, 10));
        }
    }

    @Test
    void maintenanceDropsExpiredEntriesAndCompacts() throws Exception {
        try (LocalStateStore store = new LocalStateStore(directory, MAPPER, clock)) {
            for (int i = 0; i < 30_000; i++) {
                store.put("accepted:atendimento:" + i, "accepted", Duration.ofMinutes(1));
            }
            store.put("contact:1:kept", "5", Duration.ofHours(1));
            store.addScored("unread:1:4", "101", 1, Duration.ofHours(1), 10);
            long grownBytes = Files.size(directory.resolve("state.jsonl"));
            clock.advance(Duration.ofMinutes(2));

            store.maintain();

            long compactedBytes = Files.size(directory.resolve("state.jsonl"));
            assertTrue(compactedBytes < grownBytes / 100, "journal " + grownBytes + " -> " + compactedBytes + " bytes");
            assertEquals(2, Files.readAllLines(directory.resolve("state.jsonl")).size());
            assertEquals(Optional.of("5"), store.get("contact:1:kept"));
            store.put("contact:1:after", "6", Duration.ofHours(1));
        }
        try (LocalStateStore reopened = new LocalStateStore(directory, MAPPER, clock)) {
            assertEquals(Optional.of("6"), reopened.get("contact:1:after"), "written after the compaction");
            assertEquals(Optional.of("5"), reopened.get("contact:1:kept"));
            assertEquals(1, reopened.scoredUpTo("unread:1:4", 9, 10).size());
            assertEquals(Optional.empty(), reopened.get("accepted:atendimento:7"));
        }
    }

    @Test
    void smallJournalIsNotRewritten() throws Exception {
        try (LocalStateStore store = new LocalStateStore(directory, MAPPER, clock)) {
            for (int i = 0; i < 100; i++) {
                store.put("contact:1:" + i, "5", Duration.ofMinutes(1));
            }
            clock.advance(Duration.ofMinutes(2));

            store.maintain();

            assertEquals(100, Files.readAllLines(directory.resolve("state.jsonl")).size());
            assertEquals(Optional.empty(), store.get("contact:1:3"));
        }
    }

    private static final class MutableClock extends Clock {

        private Instant now = Instant.parse("2026-01-15T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
