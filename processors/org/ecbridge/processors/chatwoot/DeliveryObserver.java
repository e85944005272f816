package org.ecbridge.processors.chatwoot;

import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.ecbridge.health.DeliveryFailureWindow;
import org.ecbridge.metrics.BridgeMetrics;
import org.ecbridge.staging.StagedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the delivery routes that feed the delivery metrics and the {@code delivery} readiness check: when a
 * record is taken from the inbox, when it is delivered, when it is dead-lettered, and (as the error handler's
 * {@code onRedeliveryRef}) before each redelivery.
 */
public final class DeliveryObserver {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryObserver.class);
    private static final String OUTCOME = "BridgeDeliveryOutcome";
    private static final String OUTCOME_DELIVERED = "delivered";
    private static final String OUTCOME_DEAD_LETTER = "dead_letter";

    private final BridgeMetrics metrics;
    private final DeliveryFailureWindow failures;

    public DeliveryObserver(BridgeMetrics metrics, DeliveryFailureWindow failures) {
        this.metrics = metrics;
        this.failures = failures;
    }

    /** Counts the record's staged media as in flight until the exchange completes, whatever its outcome. */
    public void started(Exchange exchange) {
        long startedNanos = System.nanoTime();
        long inFlightBytes = mediaBytes(ChatwootRequests.message(exchange));

        metrics.deliveryStarted(inFlightBytes);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange completed) {
                String outcome = completed.getProperty(OUTCOME, "failed", String.class);
                long mediaBytes = mediaBytes(ChatwootRequests.message(completed));
                metrics.deliveryFinished(outcome, inFlightBytes, mediaBytes,
                        Duration.ofNanos(System.nanoTime() - startedNanos));
            }
        });
    }

    public void delivered(Exchange exchange) {
        exchange.setProperty(OUTCOME, OUTCOME_DELIVERED);
        failures.recordSuccess();
    }

    public void deadLettered(Exchange exchange) {
        exchange.setProperty(OUTCOME, OUTCOME_DEAD_LETTER);
    }

    /** Called by the error handler before each redelivery of a transient failure. */
    public void redelivering(Exchange exchange) {
        Exception failure = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = failure == null ? "unknown" : failure.getClass().getSimpleName() + ": "
                + failure.getMessage();
        StagedMessage message = ChatwootRequests.message(exchange);

        metrics.redelivery();
        failures.recordFailure(reason);
        LOG.debug("Redelivering message {}: {}", message == null ? null : message.messageId, reason);
    }

    private static long mediaBytes(StagedMessage message) {
        if (message == null || message.media == null || message.media.sizeBytes == null) {
            return 0;
        }
        return message.media.sizeBytes;
    }
}
