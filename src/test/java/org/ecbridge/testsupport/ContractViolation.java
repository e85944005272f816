package org.ecbridge.testsupport;

import java.util.List;

/**
 * A request that broke Chatwoot's OpenAPI document beyond the gaps that the stand-in tolerates.
 *
 * @param operationId the OpenAPI operation that the request matched, or null when none matched
 * @param messages    one line per violation, as reported by swagger-request-validator
 * @param body        the request body as received
 */
public record ContractViolation(String method, String path, String operationId, List<String> messages,
                                String body) {

    public ContractViolation {
        messages = List.copyOf(messages);
    }
}
