package org.ecbridge;

import java.time.Clock;
import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.spi.Registry;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.health.BridgeHealthChecks;
import org.ecbridge.health.DeliveryFailureWindow;
import org.ecbridge.health.DiskHealthCheck;
import org.ecbridge.health.HttpDependencyProbes;
import org.ecbridge.management.BridgeMBeans;
import org.ecbridge.metrics.BridgeMetrics;
import org.ecbridge.processors.chatwoot.DeliveryObserver;
import org.ecbridge.processors.webhook.WebhookResponder;
import org.ecbridge.staging.DeadLetterReplayer;
import org.ecbridge.staging.DiskUsageMonitor;
import org.ecbridge.staging.StagingArea;

/**
 * Binds what operators use to watch and steer the bridge: readiness checks, meters, the delivery observer the
 * routes call, and the JMX MBeans. Runs after {@link BridgeBeans} has bound the staging area, the disk monitor and
 * the webhook responder.
 */
final class OperationsBeans {

    private OperationsBeans() {
    }

    static void bind(CamelContext context, BridgeSettings settings) throws Exception {
        Registry registry = context.getRegistry();
        StagingArea staging = registry.lookupByNameAndType("stagingArea", StagingArea.class);
        DiskUsageMonitor disk = registry.lookupByNameAndType("diskUsageMonitor", DiskUsageMonitor.class);
        WebhookResponder responder = registry.lookupByNameAndType("webhookResponder", WebhookResponder.class);

        BridgeMetrics metrics = BridgeMetrics.fromCamelRegistry(registry);
        metrics.bindStaging(disk, staging);
        responder.setOutcomeListener(metrics::webhookAnswered);
        registry.bind("bridgeMetrics", metrics);

        DeliveryFailureWindow failures = new DeliveryFailureWindow(
                Duration.ofSeconds(settings.longValue("bridge.health.delivery-failing-seconds", 300)),
                Clock.systemUTC());
        BridgeHealthChecks.register(context, failures);
        DeliveryObserver observer = new DeliveryObserver(metrics, failures);
        registry.bind("deliveryObserver", observer);
        registry.bind("deliveryRedeliveries", (Processor) observer::redelivering);

        registerHealthChecks(context, settings, metrics, disk);
        DeadLetterReplayer replayer = new DeadLetterReplayer(staging, new ObjectMapper());
        registry.bind("deadLetterReplayer", replayer);
        context.addService(new BridgeMBeans(context, disk, staging, replayer), true, true);
    }

    private static void registerHealthChecks(CamelContext context, BridgeSettings settings, BridgeMetrics metrics,
            DiskUsageMonitor disk) {
        Duration cacheFor = Duration.ofSeconds(settings.longValue("bridge.health.probe-cache-seconds", 15));
        HttpDependencyProbes probes = new HttpDependencyProbes(
                Duration.ofMillis(settings.longValue("bridge.health.probe-timeout-millis", 3000)));
        BridgeHealthChecks.registerProbe(context, "chatwoot", probes.chatwoot(settings.chatwootUrl(),
                settings.chatwootApiToken(), settings.chatwootAccountId(), settings.chatwootInboxId()), cacheFor,
                latency -> metrics.dependencyLatency("chatwoot", "probe", latency));
        // EvolutionAPI is called only when an API key is set, so only then is it a dependency worth a check.
        if (settings.optional("bridge.evolution.api-key").isPresent()) {
            String evolutionUrl = settings.string("bridge.evolution.url", "http://localhost:8080")
                    .replaceAll("/+$", "");
            BridgeHealthChecks.registerProbe(context, "evolution-api", probes.evolutionApi(evolutionUrl), cacheFor,
                    latency -> metrics.dependencyLatency("evolution-api", "probe", latency));
        }
        BridgeHealthChecks.register(context, new DiskHealthCheck(disk,
                (int) settings.longValue("bridge.health.disk-ready-percent", 90)));
    }
}
