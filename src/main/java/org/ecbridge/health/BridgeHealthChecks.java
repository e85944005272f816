package org.ecbridge.health;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the bridge's health checks with Camel's health-check registry, which the management server exposes
 * at {@code /observe/health}, {@code /observe/health/live} and {@code /observe/health/ready}.
 *
 * <p>Code that adds a dependency registers its check here, for example a Redis state store:
 * {@code BridgeHealthChecks.registerProbe(context, "redis", () -> ping(), cacheFor, latency -> {})}. A check
 * registered this way is a readiness check and names its cause in the response's {@code message}.
 */
public final class BridgeHealthChecks {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeHealthChecks.class);

    private BridgeHealthChecks() {
    }

    /** Registers {@code check}, or logs and skips it when health checks are turned off. */
    public static void register(CamelContext context, HealthCheck check) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry == null) {
            LOG.info("Health checks are turned off (camel.health.enabled=false); check {} is not registered",
                    check.getId());
            return;
        }

        registry.register(check);
        LOG.debug("Health check {} registered", check.getId());
    }

    /** Registers a readiness check that runs {@code probe} at most once per {@code cacheFor}. */
    public static CachedProbeHealthCheck registerProbe(CamelContext context, String id, DependencyProbe probe,
            Duration cacheFor, Consumer<Duration> latencyRecorder) {
        CachedProbeHealthCheck check = new CachedProbeHealthCheck(id, probe, cacheFor, Clock.systemUTC(),
                latencyRecorder);
        register(context, check);
        return check;
    }
}
