package org.ecbridge.state;

/** An idempotent repository that distinguishes keys still being processed from keys whose processing completed. */
public interface InFlightAware {

    /** Returns true while the key was added but is neither confirmed nor removed. */
    boolean isInFlight(String key);
}
