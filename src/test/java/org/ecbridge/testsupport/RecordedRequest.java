package org.ecbridge.testsupport;

/**
 * One HTTP request that a stand-in received, with the status of its response.
 *
 * @param method      HTTP method, e.g. {@code POST}
 * @param path        path of the request URI as sent, still percent-encoded, without the query
 * @param query       query string as sent, without the {@code ?}, or {@code null} when the URI has none
 * @param rawUri      request URI exactly as it arrived on the request line (path and query)
 * @param contentType value of the {@code Content-Type} request header, or {@code null}
 * @param status      HTTP status code of the response
 */
public record RecordedRequest(String method, String path, String query, String rawUri, String contentType,
                              int status) {
}
