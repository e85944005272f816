package org.ecbridge.processors.webhook;

import java.util.Optional;
import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Rejects a webhook with 503 before its body is read while the shared state store (Redis) is known to be unreachable,
 * so EvolutionAPI retries it later and no body is spooled that could not be deduplicated.
 */
public final class StateStoreGuard implements Processor {

    private final Supplier<Optional<String>> unavailableReason;

    /** @param unavailableReason returns why the state store is unavailable, or empty while it responds */
    public StateStoreGuard(Supplier<Optional<String>> unavailableReason) {
        this.unavailableReason = unavailableReason;
    }

    @Override
    public void process(Exchange exchange) {
        Optional<String> reason = unavailableReason.get();
        if (reason.isPresent()) {
            throw new WebhookRejectedException(503, "state-store-unavailable", reason.get());
        }
    }
}
