package org.ecbridge.state;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness check {@code ecbridge/redis}: DOWN with the cause while Redis does not respond, so a load
 * balancer stops sending webhooks to a replica that would reject them with 503. It is not a liveness check,
 * because a restart does not bring Redis back.
 */
public final class RedisHealthCheck extends AbstractHealthCheck {

    private final RedisConnectionMonitor monitor;
    private final String safeUrl;

    public RedisHealthCheck(RedisConnectionMonitor monitor, String safeUrl) {
        super("ecbridge", "redis");
        this.monitor = monitor;
        this.safeUrl = safeUrl;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("redis.url", safeUrl);
        if (monitor.available()) {
            builder.up();
            return;
        }
        String reason = monitor.unavailableReason().orElse("unavailable");
        builder.detail("redis.unavailable.since", monitor.status().sinceMillis());
        builder.message(reason);
        builder.down();
    }
}
