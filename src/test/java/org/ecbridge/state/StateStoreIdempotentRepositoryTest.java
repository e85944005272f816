package org.ecbridge.state;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The idempotent repository of the embedded state store, as the webhook routes' idempotent consumers use it. */
class StateStoreIdempotentRepositoryTest {

    private static final Duration TTL = Duration.ofMinutes(5);

    @TempDir
    Path directory;

    private final DefaultCamelContext camel = new DefaultCamelContext();

    @Test
    void confirmedKeySurvivesRestart() {
        try (LocalStateStore store = new LocalStateStore(directory, new ObjectMapper(), Clock.systemUTC())) {
            StateStoreIdempotentRepository repository = new StateStoreIdempotentRepository(store, "accepted:", TTL);
            Exchange first = exchange();

            assertTrue(repository.add(first, "atendimento:A1"));
            assertTrue(repository.isInFlight("atendimento:A1"));
            assertFalse(repository.contains("atendimento:A1"), "pending is not accepted yet");
            assertFalse(repository.add(exchange(), "atendimento:A1"), "a retry while the first is pending");
            assertTrue(repository.confirm(first, "atendimento:A1"));
            assertFalse(repository.isInFlight("atendimento:A1"));
        }
        try (LocalStateStore reopened = new LocalStateStore(directory, new ObjectMapper(), Clock.systemUTC())) {
            StateStoreIdempotentRepository repository = new StateStoreIdempotentRepository(reopened, "accepted:",
                    TTL);
            assertTrue(repository.contains("atendimento:A1"));
            assertFalse(repository.add(exchange(), "atendimento:A1"));
        }
    }

    @Test
    void duplicateExchangeCannotTouchFirstKey() {
        try (LocalStateStore store = new LocalStateStore(directory, new ObjectMapper(), Clock.systemUTC())) {
            StateStoreIdempotentRepository repository = new StateStoreIdempotentRepository(store, "accepted:", TTL);
            Exchange first = exchange();
            Exchange duplicate = exchange();
            repository.add(first, "atendimento:B1");
            repository.add(duplicate, "atendimento:B1");

            assertFalse(repository.remove(duplicate, "atendimento:B1"));
            assertFalse(repository.confirm(duplicate, "atendimento:B1"));
            assertTrue(repository.isInFlight("atendimento:B1"), "still the first exchange's");
            assertTrue(repository.remove(first, "atendimento:B1"));
            assertFalse(repository.isInFlight("atendimento:B1"));
            assertTrue(repository.add(exchange(), "atendimento:B1"), "a failed first attempt frees the key");
        }
    }

    @Test
    void legacyFileIsImported() throws Exception {
        Files.write(directory.resolve("accepted-messages.dat"), List.of("atendimento:C1", "atendimento:C2", ""));
        try (LocalStateStore store = new LocalStateStore(directory, new ObjectMapper(), Clock.systemUTC())) {
            StateStoreIdempotentRepository repository = new StateStoreIdempotentRepository(store, "accepted:", TTL);

            repository.importLegacyFile(directory.resolve("accepted-messages.dat"));

            assertTrue(repository.contains("atendimento:C1"));
            assertTrue(repository.contains("atendimento:C2"));
            assertFalse(Files.exists(directory.resolve("accepted-messages.dat")));
            assertTrue(Files.exists(directory.resolve("accepted-messages.dat.imported")));
        }
    }

    private Exchange exchange() {
        return new DefaultExchange(camel);
    }
}
