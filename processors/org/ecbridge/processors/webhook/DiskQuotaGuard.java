package org.ecbridge.processors.webhook;

import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;
import org.ecbridge.staging.DiskUsageMonitor;

/**
 * Checks a webhook's announced size before its body is read: over the body limit it is rejected with 422,
 * and while the spool or staging disk is over quota the webhook gets 503 so EvolutionAPI retries later.
 */
public final class DiskQuotaGuard implements Processor {

    private final DiskUsageMonitor monitor;
    private final long maxBodyBytes;

    public DiskQuotaGuard(DiskUsageMonitor monitor, long maxBodyBytes) {
        this.monitor = monitor;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void process(Exchange exchange) {
        long announcedBytes = Optional.ofNullable(exchange.getIn().getHeader("Content-Length", Long.class))
                .orElse(0L);
        if (announcedBytes > maxBodyBytes) {
            throw WebhookRejectedException.invalid("body-too-large", "webhook body of " + announcedBytes
                    + " bytes exceeds bridge.webhook.max-body-bytes (" + maxBodyBytes + "); raise it, or turn "
                    + "webhook base64 off in EvolutionAPI so the bridge fetches large media itself");
        }

        Optional<String> neverFits = monitor.neverFitsReason(announcedBytes);
        if (neverFits.isPresent()) {
            throw WebhookRejectedException.invalid("body-too-large", neverFits.get());
        }
        Optional<String> overQuota = monitor.overQuotaReason(announcedBytes);
        if (overQuota.isPresent()) {
            throw WebhookRejectedException.busy(overQuota.get());
        }

        monitor.reserve(announcedBytes);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange completed) {
                monitor.release(announcedBytes);
            }
        });
    }
}
