package org.ecbridge.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of delivery to Chatwoot: down while delivery attempts have kept failing, with no delivery succeeding
 * in between, for longer than {@code threshold}. A failure is a redelivery, which the error policy in
 * {@code routes/dead-letter.camel.yaml} makes for transient errors only. Messages dead-lettered at once (other
 * 4xx) are not counted, because they do not indicate Chatwoot's health. The check clears with the next successful delivery, or when no
 * failure was seen for {@code threshold}.
 */
public final class DeliveryFailureWindow extends AbstractHealthCheck {

    private final Duration threshold;
    private final Clock clock;
    private Instant failingSince;
    private Instant lastFailureAt;
    private String lastFailure;
    private Instant lastSuccessAt;
    private long failuresSinceSuccess;

    public DeliveryFailureWindow(Duration threshold, Clock clock) {
        super("bridge", "delivery");
        this.threshold = threshold;
        this.clock = clock;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    public synchronized void recordSuccess() {
        lastSuccessAt = clock.instant();
        failingSince = null;
        failuresSinceSuccess = 0;
    }

    /** Records a failed delivery attempt; {@code reason} names the error, never the message's content. */
    public synchronized void recordFailure(String reason) {
        Instant now = clock.instant();
        if (failingSince == null) {
            failingSince = now;
        }
        lastFailureAt = now;
        lastFailure = reason;
        failuresSinceSuccess++;
    }

    @Override
    protected synchronized void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Instant now = clock.instant();
        builder.detail("failures.since.last.success", failuresSinceSuccess);
        builder.detail("threshold.seconds", threshold.toSeconds());
        if (lastSuccessAt != null) {
            builder.detail("last.success.at", lastSuccessAt.toString());
        }
        if (failingSince == null) {
            builder.up().message("no delivery failure since the last success");
            return;
        }
        builder.detail("failing.since", failingSince.toString());
        builder.detail("last.failure", lastFailure);
        boolean failingTooLong = Duration.between(failingSince, lastFailureAt).compareTo(threshold) >= 0;
        boolean stillFailing = Duration.between(lastFailureAt, now).compareTo(threshold) < 0;
        if (failingTooLong && stillFailing) {
            builder.down().message("deliveries to Chatwoot have failed for "
                    + Duration.between(failingSince, now).toSeconds() + " s with no success, longer than "
                    + "bridge.health.delivery-failing-seconds (" + threshold.toSeconds() + "); last failure: "
                    + lastFailure);
        } else {
            builder.up().message(failuresSinceSuccess + " delivery failures since the last success, for less "
                    + "than bridge.health.delivery-failing-seconds (" + threshold.toSeconds() + ")");
        }
    }
}
