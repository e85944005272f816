package org.ecbridge.state;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Availability of Redis: a PING on a schedule, and every failed command as it happens. The webhook and the
 * delivery consumer read it so that an outage gets a quick 503 or a skipped poll instead of a wait for a command
 * timeout. Logs one warning when Redis goes away and one line when it is back, never one per failed command.
 */
public final class RedisConnectionMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnectionMonitor.class);

    private final String safeUrl;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private volatile BooleanSupplier ping;
    private volatile Status status;

    /** The last observation: available or not, since when, and the failure that made it unavailable. */
    public record Status(boolean available, long sinceMillis, String cause) {
    }

    public RedisConnectionMonitor(String safeUrl, Clock clock) {
        this.safeUrl = safeUrl;
        this.clock = clock;
        // Available until the first PING fails, so that its failure is logged like any later one.
        this.status = new Status(true, clock.millis(), null);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "redis-connection-monitor");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts pinging with {@code ping} (true when Redis responded) every {@code interval}, the first time now. */
    public void start(BooleanSupplier ping, Duration interval) {
        this.ping = ping;
        check();
        scheduler.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public boolean available() {
        return status.available();
    }

    public Status status() {
        return status;
    }

    /** Returns why Redis is unavailable, or empty while it responds. */
    public Optional<String> unavailableReason() {
        Status current = status;
        if (current.available()) {
            return Optional.empty();
        }
        long downMillis = clock.millis() - current.sinceMillis();
        return Optional.of("Redis at " + safeUrl + " is unreachable for " + downMillis + " ms: " + current.cause());
    }

    /** Marks Redis unavailable after a command failed; the next successful PING marks it available again. */
    public void recordFailure(Throwable failure) {
        Status current = status;
        if (current.available()) {
            status = new Status(false, clock.millis(), describe(failure));
            LOG.warn("Redis at {} is unreachable: {}. Webhooks get 503 and deliveries wait until it is back",
                    safeUrl, describe(failure));
        }
    }

    /** Pings now and updates the status. */
    public void check() {
        try {
            if (ping.getAsBoolean()) {
                recordSuccess();
            } else {
                recordFailure(new IllegalStateException("PING got no response"));
            }
        } catch (RuntimeException e) {
            recordFailure(e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private void recordSuccess() {
        Status current = status;
        if (!current.available()) {
            status = new Status(true, clock.millis(), null);
            LOG.info("Redis at {} responds again (it was unavailable for {} ms)", safeUrl,
                    clock.millis() - current.sinceMillis());
        }
    }

    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        if (root != failure) {
            text += " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        return text;
    }
}
