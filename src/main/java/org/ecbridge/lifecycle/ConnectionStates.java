package org.ecbridge.lifecycle;

import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.ecbridge.processors.webhook.EvolutionWebhookReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last WhatsApp connection state of each EvolutionAPI instance, from its {@code connection.update} webhooks.
 * As a readiness check it is down while any instance's last state is {@code close} or {@code refused}, and it
 * registers the gauge {@code bridge.whatsapp.connection} per instance: 1 open, 0 connecting, -1 closed or refused.
 *
 * <p>NOTE: each replica keeps the states of the webhooks it received, so behind a load balancer replicas may
 * disagree until every one has seen an update.
 */
public final class ConnectionStates extends AbstractHealthCheck implements EvolutionWebhookReader.ConnectionListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionStates.class);

    /** Last state and statusReason of one instance. */
    public record Connection(String state, String statusReason) {
        boolean isDown() {
            return state.equals("close") || state.equals("refused");
        }

        double gaugeValue() {
            return state.equals("open") ? 1 : isDown() ? -1 : 0;
        }
    }

    private final Map<String, Connection> byInstance = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final boolean statusConversation;

    public ConnectionStates(MeterRegistry meters, boolean statusConversation) {
        super("bridge", "whatsapp-connection");
        this.meters = meters;
        this.statusConversation = statusConversation;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public boolean connectionChanged(String instance, String state, String statusReason) {
        Connection previous = byInstance.put(instance, new Connection(state, statusReason));
        if (previous == null) {
            Gauge.builder("bridge.whatsapp.connection", byInstance, states -> gaugeValue(states, instance))
                    .tag("instance", instance)
                    .description("WhatsApp connection of the instance: 1 open, 0 connecting, -1 close or refused")
                    .register(meters);
        }
        if (state.equals("open")) {
            LOG.info("WhatsApp instance {} is connected (statusReason {})", instance, statusReason);
        } else {
            LOG.warn("WhatsApp instance {} changed to connection state {} (statusReason {})", instance, state,
                    statusReason);
        }
        return statusConversation;
    }

    public Connection connection(String instance) {
        return byInstance.get(instance);
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        StringJoiner down = new StringJoiner("; ");
        byInstance.forEach((instance, connection) -> {
            builder.detail("instance." + instance + ".state", connection.state());
            if (connection.isDown()) {
                down.add("WhatsApp instance " + instance + " is " + connection.state() + " (statusReason "
                        + connection.statusReason() + "); reconnect it in EvolutionAPI");
            }
        });

        if (down.length() > 0) {
            builder.down().message(down.toString());
        } else {
            builder.up().message(byInstance.isEmpty() ? "no connection.update received yet"
                    : "every WhatsApp instance that reported is open or connecting");
        }
    }

    private static double gaugeValue(Map<String, Connection> states, String instance) {
        Connection connection = states.get(instance);
        return connection == null ? Double.NaN : connection.gaugeValue();
    }
}
