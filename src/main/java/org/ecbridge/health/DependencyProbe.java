package org.ecbridge.health;

/**
 * Checks one dependency (Chatwoot, EvolutionAPI, Redis, S3) once. An exception counts as down, with the exception
 * as the cause.
 */
@FunctionalInterface
public interface DependencyProbe {

    ProbeResult probe() throws Exception;
}
