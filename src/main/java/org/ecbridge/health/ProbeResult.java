package org.ecbridge.health;

import java.util.Map;

/**
 * Outcome of one probe of a dependency: up or down, a sentence that names the cause, and details for the health
 * response such as status codes, URLs and byte counts, but never tokens.
 */
public record ProbeResult(boolean up, String message, Map<String, Object> details) {

    public static ProbeResult up(String message, Map<String, Object> details) {
        return new ProbeResult(true, message, Map.copyOf(details));
    }

    public static ProbeResult down(String message, Map<String, Object> details) {
        return new ProbeResult(false, message, Map.copyOf(details));
    }
}
