package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Error responses in the shapes that Chatwoot 4.9.1's {@code RequestExceptionHandler} renders: {@code {"error"}}
 * for not-found and could-not-create errors, {@code {"message", "attributes"}} for record validation failures.
 */
final class ChatwootErrors {

    static final String NOT_FOUND_MESSAGE = "Resource could not be found";

    private ChatwootErrors() {
    }

    static StandInHttpException notFound() {
        return new StandInHttpException(404, error(NOT_FOUND_MESSAGE));
    }

    static StandInHttpException unprocessable(String message) {
        return new StandInHttpException(422, error(message));
    }

    static StandInHttpException badRequest(String message) {
        return new StandInHttpException(400, error(message));
    }

    static StandInHttpException recordInvalid(List<String> fullMessages, List<String> attributes) {
        ObjectNode body = StandInJson.object();
        body.put("message", String.join(", ", fullMessages));
        attributes.forEach(body.putArray("attributes")::add);
        return new StandInHttpException(422, body);
    }

    static ObjectNode error(String message) {
        ObjectNode body = StandInJson.object();
        body.put("error", message);
        return body;
    }
}
