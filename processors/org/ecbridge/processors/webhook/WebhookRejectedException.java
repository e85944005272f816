package org.ecbridge.processors.webhook;

/**
 * A webhook the bridge will not accept, with the HTTP status that tells EvolutionAPI what to do next: 401 and
 * 422 end its retries, 503 asks it to retry later.
 */
public class WebhookRejectedException extends RuntimeException {

    private final int status;
    private final String errorCode;

    public WebhookRejectedException(int status, String errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public WebhookRejectedException(int status, String errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    public static WebhookRejectedException unauthorized(String message) {
        return new WebhookRejectedException(401, "unauthorized", message);
    }

    public static WebhookRejectedException invalid(String errorCode, String message) {
        return new WebhookRejectedException(422, errorCode, message);
    }

    public static WebhookRejectedException invalid(String errorCode, String message, Throwable cause) {
        return new WebhookRejectedException(422, errorCode, message, cause);
    }

    public static WebhookRejectedException busy(String message) {
        return new WebhookRejectedException(503, "busy", message);
    }

    public int status() {
        return status;
    }

    public String errorCode() {
        return errorCode;
    }
}
