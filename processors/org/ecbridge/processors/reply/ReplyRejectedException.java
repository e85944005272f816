package org.ecbridge.processors.reply;

/**
 * Thrown when a reply cannot be delivered and trying again will not help: the number is not on WhatsApp, the
 * contact has no number, EvolutionAPI rejected the request, or the attachment cannot be fetched. The message is
 * written for the agent, who reads it in a private note.
 */
public class ReplyRejectedException extends Exception {

    public ReplyRejectedException(String message) {
        super(message);
    }
}
