package org.ecbridge.testsupport;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Checks JSON requests against Chatwoot's OpenAPI document (4.9.1, {@code contracts/chatwoot-swagger-4.9.1.json}
 * on the test classpath) with swagger-request-validator, tolerating only the document's known gaps:
 * <ul>
 *   <li>{@code source_id} on message create is accepted by Chatwoot but missing from the schema, and so is
 *       {@code attachments}, which in a JSON request lists the signed ids of directly uploaded blobs.</li>
 *   <li>{@code content} is required by the schema, yet messages without it are accepted.</li>
 *   <li>{@code inbox_id} (contact create) and {@code source_id} and {@code inbox_id} (conversation create) are
 *       required by the schema but not by Chatwoot.</li>
 * </ul>
 * Multipart message create is not in the document at all, so callers do not check it here.
 */
final class ChatwootContract {

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootContract.class);
    private static final String SPECIFICATION_RESOURCE = "contracts/chatwoot-swagger-4.9.1.json";
    private static final String REQUIRED_KEY = "validation.request.body.schema.required";
    private static final String UNDECLARED_KEY = "validation.request.body.schema.additionalProperties";
    private static final String MESSAGE_CREATE = "create-a-new-message-in-a-conversation";

    /** Top-level properties that may be missing although the schema requires them, by operation id. */
    private static final Map<String, Set<String>> TOLERATED_MISSING = Map.of(
            "contactCreate", Set.of("inbox_id"),
            "newConversation", Set.of("inbox_id", "source_id"),
            MESSAGE_CREATE, Set.of("content"));
    /** Top-level properties that may be present although the schema does not declare them, by operation id. */
    private static final Map<String, Set<String>> TOLERATED_UNDECLARED = Map.of(
            MESSAGE_CREATE, Set.of("source_id", "attachments"));

    private final OpenApiInteractionValidator validator;
    private final List<ContractViolation> violations = new CopyOnWriteArrayList<>();

    private ChatwootContract(OpenApiInteractionValidator validator) {
        this.validator = validator;
    }

    static ChatwootContract load() {
        URL specification = ChatwootContract.class.getClassLoader().getResource(SPECIFICATION_RESOURCE);
        if (specification == null) {
            throw new IllegalStateException(SPECIFICATION_RESOURCE + " is missing from the test classpath;"
                    + " it belongs in src/test/resources");
        }
        return new ChatwootContract(OpenApiInteractionValidator
                .createForSpecificationUrl(specification.toString())
                .build());
    }

    List<ContractViolation> violations() {
        return List.copyOf(violations);
    }

    /**
     * Validates the current JSON request. On a violation it records the violation and raises 400
     * {@code {"error":"contract violation: ..."}}.
     */
    void check(RoutingContext ctx) {
        ValidationReport report = validator.validateRequest(toValidatorRequest(ctx));
        List<String> messages = new ArrayList<>();
        String operationId = null;
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() != ValidationReport.Level.ERROR) {
                continue;
            }
            String messageOperationId = operationId(message);
            operationId = operationId == null ? messageOperationId : operationId;
            String untolerated = untoleratedPart(message, messageOperationId);
            if (untolerated != null) {
                messages.add(untolerated);
            }
        }
        if (messages.isEmpty()) {
            return;
        }
        String method = ctx.request().method().name();
        String path = ctx.request().path();
        violations.add(new ContractViolation(method, path, operationId, messages, bodyText(ctx)));
        LOG.warn("Chatwoot stand-in rejects {} {} because it breaks the OpenAPI document: {}", method, path,
                messages);
        throw ChatwootErrors.badRequest("contract violation: " + String.join("; ", messages));
    }

    private static Request toValidatorRequest(RoutingContext ctx) {
        SimpleRequest.Builder builder = new SimpleRequest.Builder(ctx.request().method().name(), ctx.request().path());
        ctx.request().headers().forEach(header -> builder.withHeader(header.getKey(), header.getValue()));
        ctx.queryParams().forEach(parameter -> builder.withQueryParam(parameter.getKey(), parameter.getValue()));
        String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType != null) {
            builder.withContentType(contentType);
        }
        String body = bodyText(ctx);
        if (body != null) {
            builder.withBody(body);
        }
        return builder.build();
    }

    /**
     * Returns the message with the tolerated property names removed, or null when only tolerated ones remain.
     * Only top-level {@code required} and {@code additionalProperties} messages can be tolerated.
     */
    private static String untoleratedPart(ValidationReport.Message message, String operationId) {
        Set<String> tolerated = toleratedNames(message.getKey(), operationId);
        if (tolerated.isEmpty() || !isTopLevel(message)) {
            return message.getKey() + ": " + message.getMessage();
        }
        Set<String> names = propertyNames(message.getMessage());
        if (names == null) {
            return message.getKey() + ": " + message.getMessage();
        }
        names.removeAll(tolerated);
        if (names.isEmpty()) {
            LOG.debug("Chatwoot stand-in tolerates a known gap of the OpenAPI document: {}", message.getMessage());
            return null;
        }
        String problem = REQUIRED_KEY.equals(message.getKey())
                ? "missing required properties " : "properties not declared in the schema ";
        return message.getKey() + ": " + problem + names;
    }

    private static Set<String> toleratedNames(String key, String operationId) {
        if (operationId == null) {
            return Set.of();
        }
        if (REQUIRED_KEY.equals(key)) {
            return TOLERATED_MISSING.getOrDefault(operationId, Set.of());
        }
        if (UNDECLARED_KEY.equals(key)) {
            return TOLERATED_UNDECLARED.getOrDefault(operationId, Set.of());
        }
        return Set.of();
    }

    private static boolean isTopLevel(ValidationReport.Message message) {
        String pointer = message.getContext()
                .flatMap(ValidationReport.MessageContext::getPointers)
                .map(ValidationReport.MessageContext.Pointers::getInstance)
                .orElse(null);
        return "/".equals(pointer) || "".equals(pointer);
    }

    /** Reads the JSON array of property names that json-schema-validator puts at the end of its message. */
    private static Set<String> propertyNames(String text) {
        int start = text.lastIndexOf('[');
        int end = text.lastIndexOf(']');
        if (start < 0 || end < start) {
            return null;
        }
        JsonNode names;
        try {
            names = StandInJson.MAPPER.readTree(text.substring(start, end + 1));
        } catch (JsonProcessingException e) {
            return null;
        }
        Set<String> result = new LinkedHashSet<>();
        names.forEach(name -> result.add(name.asText()));
        return result;
    }

    private static String operationId(ValidationReport.Message message) {
        return message.getContext()
                .flatMap(ValidationReport.MessageContext::getApiOperation)
                .map(operation -> operation.getOperation().getOperationId())
                .orElse(null);
    }

    private static String bodyText(RoutingContext ctx) {
        RequestBody body = ctx.body();
        return body == null || !body.available() || body.length() <= 0 ? null : body.asString();
    }
}
