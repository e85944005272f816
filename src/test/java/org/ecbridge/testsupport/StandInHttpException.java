package org.ecbridge.testsupport;

/**
 * An error that a stand-in handler raises to respond to the current request with {@code status} and a JSON
 * {@code body}, in the error format of the service that the stand-in plays.
 */
final class StandInHttpException extends RuntimeException {

    private final int status;
    private final transient Object body;

    StandInHttpException(int status, Object body) {
        super("HTTP " + status + ": " + StandInJson.write(body), null, false, false);
        this.status = status;
        this.body = body;
    }

    int status() {
        return status;
    }

    Object body() {
        return body;
    }
}
