package org.ecbridge.health;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.ecbridge.staging.DiskUsageMonitor;

/**
 * Readiness of the spool and staging disk: down once either folder contains more than {@code readyPercent} of its
 * quota, or the disk's free space is under {@code bridge.disk.min-free-bytes}. Webhooks get 503 from the quota
 * guard only at 100 %, so the replica leaves the Service a little before it would start refusing webhooks.
 */
public final class DiskHealthCheck extends AbstractHealthCheck {

    private final DiskUsageMonitor monitor;
    private final int readyPercent;

    public DiskHealthCheck(DiskUsageMonitor monitor, int readyPercent) {
        super("bridge", "disk");
        if (readyPercent < 1 || readyPercent > 100) {
            throw new IllegalArgumentException("bridge.health.disk-ready-percent must be 1 to 100, but is "
                    + readyPercent);
        }
        this.monitor = monitor;
        this.readyPercent = readyPercent;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String downReason = downReason();

        builder.detail("spool.bytes", monitor.spoolBytes());
        builder.detail("spool.quota.bytes", monitor.spoolQuotaBytes());
        builder.detail("staging.bytes", monitor.stagingBytes());
        builder.detail("staging.quota.bytes", monitor.stagingQuotaBytes());
        builder.detail("free.bytes", monitor.freeBytes());
        if (downReason == null) {
            builder.up().message("spool and staging are under " + readyPercent + " % of their quotas");
        } else {
            builder.down().message(downReason);
        }
    }

    private String downReason() {
        if (over(monitor.spoolBytes(), monitor.spoolQuotaBytes())) {
            return "spool folder holds " + monitor.spoolBytes() + " bytes, over " + readyPercent
                    + " % of bridge.disk.spool-quota-bytes (" + monitor.spoolQuotaBytes() + ")";
        }
        if (over(monitor.stagingBytes(), monitor.stagingQuotaBytes())) {
            return "staging folder holds " + monitor.stagingBytes() + " bytes, over " + readyPercent
                    + " % of bridge.disk.staging-quota-bytes (" + monitor.stagingQuotaBytes() + ")";
        }
        if (monitor.freeBytes() < monitor.minFreeBytes()) {
            return "disk has " + monitor.freeBytes() + " bytes free, under bridge.disk.min-free-bytes ("
                    + monitor.minFreeBytes() + ")";
        }
        return null;
    }

    private boolean over(long usedBytes, long quotaBytes) {
        return usedBytes * 100 > quotaBytes * readyPercent;
    }
}
