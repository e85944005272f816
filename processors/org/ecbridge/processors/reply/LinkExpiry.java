package org.ecbridge.processors.reply;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads when a presigned storage link stops working from its query: AWS Signature V4 ({@code X-Amz-Date} plus
 * {@code X-Amz-Expires} seconds), Google Cloud Storage V4 ({@code X-Goog-Date} plus {@code X-Goog-Expires}),
 * S3 Signature V2 and GCS V2 ({@code Expires}, Unix seconds) and Azure SAS ({@code se}, ISO-8601). A link with
 * none of these has no visible expiry.
 */
public final class LinkExpiry {

    private static final DateTimeFormatter SIGV4_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private LinkExpiry() {
    }

    /** Returns when {@code url} expires, or empty when its query shows no expiry or cannot be read. */
    public static Optional<Instant> of(String url) {
        Map<String, String> query = query(url);
        try {
            Optional<Instant> v4 = dateAndSeconds(query, "X-Amz-Date", "X-Amz-Expires");
            if (v4.isPresent()) {
                return v4;
            }
            Optional<Instant> google = dateAndSeconds(query, "X-Goog-Date", "X-Goog-Expires");
            if (google.isPresent()) {
                return google;
            }
            String expires = query.get("Expires");
            if (expires != null && expires.matches("\\d{1,12}")) {
                return Optional.of(Instant.ofEpochSecond(Long.parseLong(expires)));
            }
            String azure = query.get("se");
            if (azure != null) {
                return Optional.of(OffsetDateTime.parse(azure).toInstant());
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<Instant> dateAndSeconds(Map<String, String> query, String dateName, String secondsName) {
        String date = query.get(dateName);
        String seconds = query.get(secondsName);
        if (date == null || seconds == null || !seconds.matches("\\d{1,9}")) {
            return Optional.empty();
        }
        Instant signedAt = LocalDateTime.parse(date, SIGV4_DATE).toInstant(ZoneOffset.UTC);
        return Optional.of(signedAt.plusSeconds(Long.parseLong(seconds)));
    }

    private static Map<String, String> query(String url) {
        Map<String, String> parameters = new HashMap<>();
        String rawQuery;
        try {
            rawQuery = URI.create(url).getRawQuery();
        } catch (IllegalArgumentException e) {
            int question = url.indexOf('?');
            rawQuery = question < 0 ? null : url.substring(question + 1);
        }
        if (rawQuery == null) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                parameters.putIfAbsent(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
            }
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text;
        }
    }
}
