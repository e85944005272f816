package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;
import java.util.Set;

/** Reads path parameters and request fields the way Chatwoot's Rails controllers read them. */
final class ChatwootRequests {

    /** Strings that ActiveModel's boolean type casts to false. Any other non-blank string is true. */
    private static final Set<String> FALSE_STRINGS = Set.of("false", "f", "0", "off");

    private ChatwootRequests() {
    }

    static long accountId(RoutingContext ctx) {
        return pathId(ctx, "account");
    }

    /** Returns a numeric path parameter. A non-numeric one finds no record, so it raises 404. */
    static long pathId(RoutingContext ctx, String name) {
        try {
            return Long.parseLong(ctx.pathParam(name));
        } catch (NumberFormatException e) {
            throw ChatwootErrors.notFound();
        }
    }

    static boolean isMultipart(RoutingContext ctx) {
        String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        return contentType != null && "multipart/form-data".equals(HeaderParameters.parse(contentType).type());
    }

    /** Returns the JSON request body, or an empty object when there is none. */
    static JsonNode jsonBody(RoutingContext ctx) {
        RequestBody body = ctx.body();
        if (body == null || !body.available() || body.length() <= 0) {
            return StandInJson.object();
        }
        StandInHttpException invalid = ChatwootErrors.badRequest("request body is not valid JSON");
        JsonNode parsed = StandInJson.parse(body.asString(), invalid);
        if (!parsed.isObject()) {
            throw ChatwootErrors.badRequest("request body must be a JSON object, got " + parsed.getNodeType());
        }
        return parsed;
    }

    /** Returns a field as text, or null when it is missing or JSON null. */
    static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    /** Returns a numeric field, or null when it is missing or JSON null. Numeric strings count, as in Rails. */
    static Long optionalLong(JsonNode body, String field) {
        String value = text(body, field);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw ChatwootErrors.unprocessable(field + " must be a number, got '" + value + "'");
        }
    }

    /** Casts a parameter as ActiveModel's boolean type does, with a missing or blank value as false. */
    static boolean railsBoolean(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return !FALSE_STRINGS.contains(value.strip().toLowerCase(Locale.ROOT));
    }

    /** Reads an optional positive integer query parameter as Rails' {@code to_i} would, else {@code fallback}. */
    static int positiveQueryInt(RoutingContext ctx, String name, int fallback) {
        String value = ctx.queryParams().get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            return parsed > 0 ? parsed : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
