package org.ecbridge.processors.media;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code media-fetch} routes: the configured order of media sources, the requests to each, and the
 * record of why a source failed. When every source failed for good, the message is posted with a note in place
 * of its file. A transient failure (connection refused, timeout, 429, 5xx) makes the delivery retry instead.
 */
public final class MediaSources {

    private static final Logger LOG = LoggerFactory.getLogger(MediaSources.class);
    private static final Set<String> KNOWN = Set.of("inline", "media-url", "evolution-api", "whatsapp-cdn");
    private static final String TRANSIENT_FAILURE = "BridgeMediaTransientFailure";

    private final List<String> sources;
    private final ObjectMapper mapper;
    private final String evolutionApiKey;
    private final long maxFileBytes;

    public MediaSources(List<String> sources, ObjectMapper mapper, String evolutionApiKey, long maxFileBytes) {
        for (String source : sources) {
            if (!KNOWN.contains(source)) {
                throw new IllegalArgumentException("bridge.media.sources contains unknown source '" + source
                        + "'; known sources are " + KNOWN);
            }
        }
        this.sources = List.copyOf(sources);
        this.mapper = mapper;
        this.evolutionApiKey = evolutionApiKey;
        this.maxFileBytes = maxFileBytes;
    }

    /** Returns true when webhooks' inline base64 is a configured source. */
    public boolean inlineEnabled() {
        return sources.contains("inline");
    }

    /** Returns the routing slip of fetching routes, in the configured order; inline media needs no fetching. */
    public String slip() {
        List<String> routes = new ArrayList<>();
        for (String source : sources) {
            if (!source.equals("inline")) {
                routes.add("direct:media-from-" + source);
            }
        }
        return String.join(",", routes);
    }

    /** Resets the fetch; a file declared larger than the maximum is not fetched at all. */
    public void start(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        message.media.fetchFailure = null;
        exchange.removeProperty(TRANSIENT_FAILURE);
        Long declared = message.media.declaredBytes;
        if (declared != null && declared > maxFileBytes) {
            message.media.oversizedBytes = declared;
            LOG.warn("Message {} of instance {} declares a {} of {} bytes, over bridge.media.max-file-bytes ({}); "
                    + "it is not fetched", message.messageId, message.instance, message.media.kind, declared,
                    maxFileBytes);
        }
    }

    public boolean pending(Exchange exchange) {
        StagedMessage.Media media = ChatwootRequests.message(exchange).media;
        return media.file == null && media.oversizedBytes == null;
    }

    public boolean hasMediaUrl(Exchange exchange) {
        return pending(exchange) && ChatwootRequests.message(exchange).media.mediaUrl != null;
    }

    public boolean evolutionApiAvailable(Exchange exchange) {
        return pending(exchange) && evolutionApiKey != null;
    }

    public void mediaUrlRequest(Exchange exchange) {
        exchange.getIn().removeHeaders("*", "CamelRedeliver*");
        exchange.getIn().setHeader(Exchange.HTTP_METHOD, "GET");
        exchange.getIn().setHeader(Exchange.HTTP_URI, ChatwootRequests.message(exchange).media.mediaUrl);
        exchange.getIn().setBody(null);
    }

    /** Prepares {@code POST /chat/getBase64FromMediaMessage/<instance>} with the message's key and content. */
    public void evolutionApiRequest(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        ObjectNode inner = mapper.createObjectNode();
        inner.set("key", message.key);
        if (message.message != null) {
            inner.set("message", message.message);
        }
        ObjectNode body = mapper.createObjectNode().put("convertToMp4", false);
        body.set("message", inner);
        exchange.getIn().removeHeaders("*", "CamelRedeliver*");
        exchange.getIn().setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.getIn().setHeader(Exchange.HTTP_PATH, "/chat/getBase64FromMediaMessage/"
                + java.net.URLEncoder.encode(message.instance, java.nio.charset.StandardCharsets.UTF_8)
                        .replace("+", "%20"));
        exchange.getIn().setHeader("apikey", evolutionApiKey);
        exchange.getIn().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getIn().setBody(mapper.writeValueAsString(body));
    }

    /** Notes why a source failed; called from the source route's doCatch. */
    public void recordFailure(Exchange exchange, String source) {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        StagedMessage message = ChatwootRequests.message(exchange);
        String reason = source + ": " + describe(failure) + expiryHint(source, failure);
        message.media.fetchFailure = message.media.fetchFailure == null ? reason
                : message.media.fetchFailure + "; " + reason;
        if (isTransient(failure)) {
            exchange.setProperty(TRANSIENT_FAILURE, true);
        }
        LOG.warn("Media source {} failed for message {} of instance {}: {}{}", source, message.messageId,
                message.instance, describe(failure), expiryHint(source, failure));
    }

    /**
     * Ends the fetch. After a transient failure it throws, so the delivery is retried. When no source staged the
     * file otherwise, the reason stays in the record for the note posted in place of the file.
     */
    public void finish(Exchange exchange) throws MediaUnavailableException {
        StagedMessage message = ChatwootRequests.message(exchange);
        if (message.media.file != null || message.media.oversizedBytes != null) {
            exchange.setProperty(BridgeHeaders.MEDIA_PENDING, false);
            return;
        }
        if (Boolean.TRUE.equals(exchange.getProperty(TRANSIENT_FAILURE))) {
            throw new MediaUnavailableException("no media source could provide the " + message.media.kind
                    + " of message " + message.messageId + " yet: " + message.media.fetchFailure);
        }
        if (message.media.fetchFailure == null) {
            message.media.fetchFailure = "the webhook had no base64 and no mediaUrl, and no other source is "
                    + "configured (set bridge.evolution.url and bridge.evolution.api-key)";
        }
        LOG.warn("Posting message {} of instance {} without its {}: {}", message.messageId, message.instance,
                message.media.kind, message.media.fetchFailure);
    }

    static boolean isTransient(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpOperationFailedException http) {
                return http.getStatusCode() == 408 || http.getStatusCode() == 429 || http.getStatusCode() >= 500;
            }
            if (cause instanceof ConnectException || cause instanceof SocketTimeoutException
                    || cause instanceof java.net.http.HttpTimeoutException
                    || cause instanceof org.apache.hc.core5.http.ConnectionClosedException
                    || cause instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** WhatsApp's CDN answers 403, 404 or 410 for a media URL that has expired. */
    private static String expiryHint(String source, Throwable failure) {
        boolean expired = failure instanceof HttpOperationFailedException http && (http.getStatusCode() == 403
                || http.getStatusCode() == 404 || http.getStatusCode() == 410);
        return expired && source.equals("whatsapp-cdn") ? " (the CDN URL has expired)" : "";
    }

    private static String describe(Throwable failure) {
        if (failure instanceof HttpOperationFailedException http) {
            return "HTTP " + http.getStatusCode();
        }
        return failure == null ? "unknown failure" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
