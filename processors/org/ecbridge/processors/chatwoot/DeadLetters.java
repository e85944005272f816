package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a message that could not be delivered as {@code dead/<itemId>.json}: the staged record, the reason and
 * the attempt count. Its media stays in the media folder.
 */
public final class DeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private final StagingArea staging;
    private final ObjectMapper mapper;

    public DeadLetters(StagingArea staging, ObjectMapper mapper) {
        this.staging = staging;
        this.mapper = mapper;
    }

    public void record(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = failure == null ? "unknown" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
        if (message == null) {
            LOG.error("A staged record could not be read and is dropped: {}", reason, failure);
            return;
        }
        ObjectNode deadLetter = mapper.createObjectNode();
        deadLetter.put("itemId", message.itemId);
        deadLetter.put("reason", reason);
        deadLetter.put("failedAt", Instant.now().toString());
        deadLetter.put("redeliveries", exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class));
        deadLetter.set("message", mapper.valueToTree(message));
        Path target = staging.dead().resolve(message.itemId + ".json");
        Path temporary = staging.newTemporaryFile(".json");
        mapper.writeValue(temporary.toFile(), deadLetter);
        Files.move(temporary, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LOG.error("Message {} of instance {} moved to the dead-letter folder as {}: {}", message.messageId,
                message.instance, target, reason);
        exchange.setProperty(BridgeHeaders.MESSAGE, message);
    }
}
