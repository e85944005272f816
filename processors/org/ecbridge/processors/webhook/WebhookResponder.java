package org.ecbridge.processors.webhook;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.ecbridge.state.StateStoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the JSON responses EvolutionAPI gets from the webhook route, and counts them by outcome and event.
 *
 * <p>Status codes follow EvolutionAPI's retry rules: 200 for accepted, duplicate and ignored webhooks, 401 and
 * 422 for webhooks that will never succeed (EvolutionAPI stops retrying those), 503 with Retry-After for
 * everything that may succeed later. The bridge never responds with 413 or 500, which EvolutionAPI would retry.
 */
public final class WebhookResponder {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookResponder.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final long retryAfterSeconds;
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private volatile OutcomeListener outcomeListener = (outcome, event, status, bodyBytes) -> { };

    public WebhookResponder(long retryAfterSeconds) {
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public void accepted(Exchange exchange) {
        respond(exchange, 200, "accepted", null);
    }

    public void duplicate(Exchange exchange) {
        respond(exchange, 200, "duplicate", null);
    }

    public void ignored(Exchange exchange) {
        respond(exchange, 200, "ignored", exchange.getIn().getHeader(BridgeHeaders.IGNORED_REASON, String.class));
    }

    private static boolean clientClosed(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof io.vertx.core.http.HttpClosedException) {
                return true;
            }
        }
        return false;
    }

    /** Responds to a failed webhook with the status and JSON error for the exception the route caught. */
    public void rejected(Exchange exchange) {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Message in = exchange.getIn();
        Object instance = in.getHeader(BridgeHeaders.INSTANCE);
        Object messageId = in.getHeader(BridgeHeaders.MESSAGE_ID);
        int status;
        String code;
        if (failure instanceof WebhookRejectedException rejected) {
            status = rejected.status();
            code = rejected.errorCode();
            LOG.warn("Webhook rejected with {} {} (instance {}, message {}): {}", status, code, instance, messageId,
                    rejected.getMessage());
        } else if (failure instanceof StateStoreUnavailableException unavailable) {
            status = 503;
            code = "state-store-unavailable";
            LOG.warn("Webhook answered 503 (instance {}, message {}): {}", instance, messageId,
                    unavailable.getMessage());
        } else if (clientClosed(failure)) {
            status = 503;
            code = "unavailable";
            LOG.warn("Webhook client closed the connection before its body ended (instance {}, message {})",
                    instance, messageId);
        } else {
            status = 503;
            code = "unavailable";
            LOG.error("Webhook failed (instance {}, message {}); responding 503 so EvolutionAPI retries", instance,
                    messageId, failure);
        }
        String message = failure == null ? null : failure.getMessage();
        if (status == 503) {
            in.setHeader("Retry-After", Long.toString(retryAfterSeconds));
            boolean explained = failure instanceof WebhookRejectedException
                    || failure instanceof StateStoreUnavailableException;
            message = explained ? message : "temporary failure, retry later";
        }
        HttpServerRequest request = exchange.getProperty(BridgeHeaders.HTTP_REQUEST, HttpServerRequest.class);
        if (request == null && in.getBody() instanceof HttpServerRequest unread) {
            request = unread;
        }
        if (request != null && !request.isEnded()) {
            WebhookBodySpooler.closeConnectionAfterResponse(request);
        }
        respond(exchange, status, code, message);
    }

    /** Sets the listener that receives every response, for example to count it in the metrics. */
    public void setOutcomeListener(OutcomeListener listener) {
        this.outcomeListener = listener;
    }

    /** Returns how many webhooks got each outcome, keyed {@code outcome/event}. */
    public Map<String, Long> counts() {
        Map<String, Long> snapshot = new java.util.TreeMap<>();
        counters.forEach((key, adder) -> snapshot.put(key, adder.sum()));
        return snapshot;
    }

    private void respond(Exchange exchange, int status, String outcome, String detail) {
        Message in = exchange.getIn();
        Object event = in.getHeader(BridgeHeaders.EVENT);
        String eventName = event == null ? "unknown" : event.toString();
        counters.computeIfAbsent(outcome + "/" + eventName, key -> new LongAdder()).increment();
        outcomeListener.webhookAnswered(outcome, eventName, status, announcedBytes(in));
        ObjectNode body = MAPPER.createObjectNode();
        body.put(status >= 400 ? "error" : "status", outcome);
        putIfPresent(body, "message", detail);
        putIfPresent(body, "event", in.getHeader(BridgeHeaders.EVENT, String.class));
        putIfPresent(body, "instance", in.getHeader(BridgeHeaders.INSTANCE, String.class));
        putIfPresent(body, "messageId", in.getHeader(BridgeHeaders.MESSAGE_ID, String.class));
        // Every remaining header would become a response header, request headers included.
        in.removeHeaders("*", "Retry-After");
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        in.setBody(body.toString());
    }

    /** Receives each webhook response: its outcome, event, HTTP status and announced body size. */
    @FunctionalInterface
    public interface OutcomeListener {
        void webhookAnswered(String outcome, String event, int status, long bodyBytes);
    }

    private static long announcedBytes(Message in) {
        Object header = in.getHeader("Content-Length");
        try {
            return header == null ? 0 : Long.parseLong(header.toString().trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void putIfPresent(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }
}
