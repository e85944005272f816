package org.ecbridge.processors.chatwoot;

import java.util.Map;

import org.ecbridge.processors.webhook.WhatsAppFields;
import org.ecbridge.staging.StagedMessage;

/**
 * Identity of a WhatsApp chat in Chatwoot: the contact's identifier (the chat JID), E.164 phone number, display name,
 * and the inbox its instance maps to. A group is one contact, identified by the group JID.
 */
public record ChatIdentity(String identifier, String phoneNumber, String name, long inboxId) {

    /** Builds the identity of the chat a staged message belongs to. */
    public static ChatIdentity of(StagedMessage message, long defaultInboxId, Map<String, Long> inboxByInstance) {
        long inboxId = inboxByInstance.getOrDefault(message.instance, defaultInboxId);
        if (message.isGroup()) {
            String groupNumber = message.remoteJid.substring(0, message.remoteJid.indexOf('@'));
            return new ChatIdentity(message.remoteJid, null, "WhatsApp group " + groupNumber, inboxId);
        }
        String phoneJid = message.remoteJid.endsWith("@lid") && message.remoteJidAlt != null
                ? message.remoteJidAlt : message.remoteJid;
        String phone = WhatsAppFields.e164(phoneJid).orElse(null);
        String name = !message.fromMe && message.pushName != null && !message.pushName.isBlank()
                ? message.pushName : (phone != null ? phone : phoneJid);
        return new ChatIdentity(phoneJid, phone, name, inboxId);
    }

    /** Returns the text to search Chatwoot's contacts with: the phone digits, or the identifier. */
    public String searchQuery() {
        return phoneNumber != null ? phoneNumber.substring(1) : identifier;
    }
}
