package org.ecbridge.processors.webhook;

import org.apache.camel.Exchange;
import org.apache.camel.spi.IdempotentRepository;
import org.ecbridge.state.InFlightAware;

/**
 * Distinguishes a true duplicate from a retry that overtook the first attempt. A message whose first webhook is still
 * being received or staged (by this process or another replica) gets 503, because that first attempt may yet
 * fail; only a message that was staged gets the 200 {@code duplicate} response.
 */
public final class DuplicateWebhooks {

    private final IdempotentRepository acceptedMessages;

    public DuplicateWebhooks(IdempotentRepository acceptedMessages) {
        this.acceptedMessages = acceptedMessages;
    }

    public void rejectWhileInFlight(Exchange exchange) {
        if (!(acceptedMessages instanceof InFlightAware inFlight)) {
            return;
        }
        String instance = exchange.getIn().getHeader(BridgeHeaders.INSTANCE, String.class);
        String messageId = exchange.getIn().getHeader(BridgeHeaders.MESSAGE_ID, String.class);
        if (inFlight.isInFlight(instance + ":" + messageId)) {
            throw WebhookRejectedException.busy("message " + messageId + " of instance " + instance
                    + " is still being received by an earlier request; retry once that one is answered");
        }
    }
}
