package org.ecbridge.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.spi.Registry;
import org.ecbridge.staging.DiskUsageMonitor;
import org.ecbridge.staging.StagingArea;

/**
 * The bridge's own meters, in the Micrometer registry that camel-micrometer-prometheus scrapes at
 * {@code /observe/metrics} on the management port. Names below are Micrometer's; Prometheus shows them with
 * underscores and unit suffixes, e.g. {@code bridge.webhooks} as {@code bridge_webhooks_total}.
 */
public final class BridgeMetrics {

    /** Name under which camel-micrometer looks up the registry it exposes. */
    public static final String REGISTRY_NAME = "metricsRegistry";

    private final MeterRegistry registry;
    private final AtomicLong deliveryBytesInFlight = new AtomicLong();

    public BridgeMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Returns the Prometheus registry bound in Camel's registry, binding a new one when there is none yet, so
     * that Camel's meters and the bridge's end up in the same scrape whichever is set up first.
     */
    public static BridgeMetrics fromCamelRegistry(Registry camelRegistry) {
        MeterRegistry existing = camelRegistry.lookupByNameAndType(REGISTRY_NAME, MeterRegistry.class);
        if (existing != null) {
            return new BridgeMetrics(existing);
        }
        PrometheusMeterRegistry created = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        camelRegistry.bind(REGISTRY_NAME, created);
        return new BridgeMetrics(created);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers the gauges of disk use, bytes in flight and dead letters. */
    public void bindStaging(DiskUsageMonitor disk, StagingArea staging) {
        Gauge.builder("bridge.disk.used", disk, DiskUsageMonitor::spoolBytes).tag("folder", "spool")
                .baseUnit("bytes").description("Bytes in the stream-cache spool folder").register(registry);
        Gauge.builder("bridge.disk.used", disk, DiskUsageMonitor::stagingBytes).tag("folder", "staging")
                .baseUnit("bytes").description("Bytes in the staging folder").register(registry);
        Gauge.builder("bridge.disk.quota", disk, DiskUsageMonitor::spoolQuotaBytes).tag("folder", "spool")
                .baseUnit("bytes").description("bridge.disk.spool-quota-bytes").register(registry);
        Gauge.builder("bridge.disk.quota", disk, DiskUsageMonitor::stagingQuotaBytes).tag("folder", "staging")
                .baseUnit("bytes").description("bridge.disk.staging-quota-bytes").register(registry);
        Gauge.builder("bridge.disk.free", disk, DiskUsageMonitor::freeBytes).baseUnit("bytes")
                .description("Usable bytes on the disk of the staging folder").register(registry);
        Gauge.builder("bridge.bytes.in.flight", disk, DiskUsageMonitor::reservedBytes).tag("direction", "webhook")
                .baseUnit("bytes").description("Announced bytes of webhooks being received").register(registry);
        Gauge.builder("bridge.bytes.in.flight", deliveryBytesInFlight, AtomicLong::get).tag("direction", "delivery")
                .baseUnit("bytes").description("Media bytes of messages being delivered").register(registry);
        Gauge.builder("bridge.dead.letters", staging, BridgeMetrics::countDeadLetters)
                .description("Dead-letter records in the staging area").register(registry);
        Gauge.builder("bridge.staging.inbox", staging, BridgeMetrics::countInbox)
                .description("Records waiting for delivery").register(registry);
    }

    /** Counts one webhook response; {@code bodyBytes} is its Content-Length, or 0 when it had none. */
    public void webhookAnswered(String outcome, String event, int status, long bodyBytes) {
        Counter.builder("bridge.webhooks").tag("outcome", outcome).tag("event", event)
                .tag("status", Integer.toString(status)).description("Webhooks answered, by outcome")
                .register(registry).increment();
        Counter.builder("bridge.webhook.body").tag("outcome", outcome).baseUnit("bytes")
                .description("Webhook body bytes, by outcome").register(registry).increment(Math.max(0, bodyBytes));
    }

    public void deliveryStarted(long mediaBytes) {
        deliveryBytesInFlight.addAndGet(mediaBytes);
    }

    /**
     * Counts a finished delivery; {@code outcome} is {@code delivered}, {@code dead_letter} or {@code failed}.
     *
     * @param inFlightBytes the bytes that {@link #deliveryStarted} counted for it
     */
    public void deliveryFinished(String outcome, long inFlightBytes, long mediaBytes, Duration duration) {
        deliveryBytesInFlight.addAndGet(-inFlightBytes);
        Counter.builder("bridge.deliveries").tag("outcome", outcome).description("Messages leaving the staging "
                + "area, by outcome").register(registry).increment();
        Counter.builder("bridge.delivery.media").tag("outcome", outcome).baseUnit("bytes")
                .description("Media bytes of messages leaving the staging area, by outcome").register(registry)
                .increment(mediaBytes);
        Timer.builder("bridge.delivery.duration").tag("outcome", outcome)
                .description("Time from taking a record from the inbox to its outcome, media transfer included")
                .register(registry).record(duration);
    }

    public void redelivery() {
        Counter.builder("bridge.delivery.redeliveries").description("Delivery attempts repeated after a "
                + "transient failure").register(registry).increment();
    }

    /**
     * Records how long one call to a dependency took, e.g. {@code ("chatwoot", "probe")} or
     * {@code ("redis", "get")}.
     */
    public void dependencyLatency(String dependency, String operation, Duration duration) {
        Timer.builder("bridge.dependency.latency").tag("dependency", dependency).tag("operation", operation)
                .description("Latency of calls to Chatwoot, EvolutionAPI, Redis and S3").register(registry)
                .record(duration);
    }

    private static double countDeadLetters(StagingArea staging) {
        return countJson(staging.dead());
    }

    private static double countInbox(StagingArea staging) {
        return countJson(staging.inbox());
    }

    private static double countJson(Path dir) {
        long count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path ignored : files) {
                count++;
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
        return count;
    }
}
