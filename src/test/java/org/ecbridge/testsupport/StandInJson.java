package org.ecbridge.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.io.UncheckedIOException;

/** JSON parsing and JSON responses shared by the stand-ins. */
final class StandInJson {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String JSON_CONTENT_TYPE = "application/json; charset=utf-8";

    private StandInJson() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("failed to serialise a stand-in response", e);
        }
    }

    /** Parses {@code text} as JSON, or raises {@code failure} when it is not valid JSON. */
    static JsonNode parse(String text, StandInHttpException failure) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw failure;
        }
    }

    static void send(RoutingContext ctx, int status, Object body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON_CONTENT_TYPE)
                .end(write(body));
    }

    static void sendText(RoutingContext ctx, int status, String contentType, String body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                .end(body);
    }
}
