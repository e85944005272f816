package org.ecbridge.state;

/**
 * The shared state store (Redis) cannot be reached or did not answer in time. The work that needed it may succeed
 * later: the webhook answers 503 and delivery waits, so nothing is dead-lettered because of it.
 */
public class StateStoreUnavailableException extends RuntimeException {

    public StateStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
