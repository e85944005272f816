package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;

/**
 * Prepares exchanges for the camel-http endpoint that calls Chatwoot's Application API, and reads its JSON
 * responses. All headers are removed first, so nothing from an earlier step leaks into a Chatwoot request.
 */
public final class ChatwootRequests {

    private final ObjectMapper mapper;
    private final String apiToken;
    private final long accountId;

    public ChatwootRequests(ObjectMapper mapper, String apiToken, long accountId) {
        this.mapper = mapper;
        this.apiToken = apiToken;
        this.accountId = accountId;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public long accountId() {
        return accountId;
    }

    /** Prepares a request to {@code /api/v1/accounts/<account><accountPath>}, with a JSON body unless null. */
    public void prepare(Exchange exchange, String method, String accountPath, String query, Object jsonBody)
            throws IOException {
        Message in = exchange.getIn();
        // The redelivery counters must survive, or a failing call would be retried forever.
        in.removeHeaders("*", "CamelRedeliver*");
        in.setHeader(Exchange.HTTP_METHOD, method);
        in.setHeader(Exchange.HTTP_PATH, "/api/v1/accounts/" + accountId + accountPath);
        if (query != null) {
            in.setHeader(Exchange.HTTP_QUERY, query);
        }
        in.setHeader("api_access_token", apiToken);
        in.setHeader("Accept", "application/json");
        if (jsonBody != null) {
            in.setHeader(Exchange.CONTENT_TYPE, "application/json; charset=utf-8");
            in.setBody(mapper.writeValueAsString(jsonBody));
        } else {
            in.setBody(null);
        }
    }

    /** Reads Chatwoot's JSON response from the body. */
    public JsonNode readJson(Exchange exchange) throws IOException {
        Object body = exchange.getIn().getBody();
        if (body == null) {
            return mapper.createObjectNode();
        }
        try (InputStream in = exchange.getIn().getMandatoryBody(InputStream.class)) {
            return mapper.readTree(in);
        } catch (org.apache.camel.InvalidPayloadException e) {
            throw new IOException("Chatwoot's response is not readable", e);
        }
    }

    /** Builds the exception camel-http would have thrown for a failed response, with at most 1 KiB of its body. */
    public HttpOperationFailedException failure(Exchange exchange, int status) throws IOException {
        String body = "";
        try (InputStream in = exchange.getIn().getBody(InputStream.class)) {
            if (in != null) {
                body = new String(in.readNBytes(1024), StandardCharsets.UTF_8);
            }
        }
        String uri = exchange.getIn().getHeader(Exchange.HTTP_URI, String.class);
        return new HttpOperationFailedException(uri, status, exchange.getIn().getHeader(Exchange.HTTP_RESPONSE_TEXT,
                String.class), null, Map.of(), body);
    }

    public static String queryParameter(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public static StagedMessage message(Exchange exchange) {
        return exchange.getProperty(BridgeHeaders.MESSAGE, StagedMessage.class);
    }
}
