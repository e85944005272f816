package org.ecbridge.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A readiness check that runs a {@link DependencyProbe} at most once per {@code cacheFor} and reports the last
 * result, so that frequent health requests do not turn into a request per probe against Chatwoot or Redis.
 * The probe runs on the thread of the health request whose cached result has expired.
 */
public final class CachedProbeHealthCheck extends AbstractHealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(CachedProbeHealthCheck.class);

    private final DependencyProbe probe;
    private final Duration cacheFor;
    private final Clock clock;
    private final Consumer<Duration> latencyRecorder;
    private ProbeResult lastResult;
    private Instant lastProbeAt;

    /**
     * @param id              check id shown in the health response, e.g. {@code chatwoot}
     * @param latencyRecorder receives how long each probe took, for the latency metric
     */
    public CachedProbeHealthCheck(String id, DependencyProbe probe, Duration cacheFor, Clock clock,
            Consumer<Duration> latencyRecorder) {
        super("bridge", id);
        this.probe = probe;
        this.cacheFor = cacheFor;
        this.clock = clock;
        this.latencyRecorder = latencyRecorder;
    }

    @Override
    public boolean isLiveness() {
        // A dependency that is down makes the bridge unready, but restarting the bridge would not bring it back.
        return false;
    }

    @Override
    protected synchronized void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        ProbeResult result = currentResult();

        builder.state(result.up() ? State.UP : State.DOWN);
        builder.message(result.message());
        builder.details(result.details());
        builder.detail("checked.at", lastProbeAt.toString());
    }

    private ProbeResult currentResult() {
        Instant now = clock.instant();
        if (lastResult != null && lastProbeAt.plus(cacheFor).isAfter(now)) {
            return lastResult;
        }
        ProbeResult previous = lastResult;
        long started = System.nanoTime();
        try {
            lastResult = probe.probe();
        } catch (Exception e) {
            lastResult = ProbeResult.down(getId() + " probe failed: " + e, Map.of("error", e.toString()));
        }
        latencyRecorder.accept(Duration.ofNanos(System.nanoTime() - started));
        lastProbeAt = now;
        logChange(previous, lastResult);
        return lastResult;
    }

    private void logChange(ProbeResult previous, ProbeResult current) {
        if (previous != null && previous.up() == current.up()) {
            return;
        }
        if (current.up()) {
            LOG.info("Health check {} is UP: {}", getId(), current.message());
        } else {
            LOG.warn("Health check {} is DOWN: {}", getId(), current.message());
        }
    }
}
