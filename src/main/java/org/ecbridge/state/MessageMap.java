package org.ecbridge.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The mapping between Chatwoot messages and WhatsApp messages, in both directions, kept in the
 * {@link StateStore} with a TTL:
 *
 * <ul>
 *   <li>{@code message:<instance>:<whatsAppId>} → Chatwoot message id, for every message the bridge posted to
 *       Chatwoot or sent to WhatsApp, so a quote in either direction finds its target;</li>
 *   <li>{@code chatwoot-message:<account>:<chatwootId>} → {@link WhatsAppMessages} (instance, chat, ids, fromMe),
 *       so a Chatwoot reply can quote it, a deletion can revoke it, and the Chatwoot webhook can tell the
 *       bridge's own posts apart;</li>
 *   <li>{@code sent:<instance>:<whatsAppId>} → Chatwoot message id, only for messages the bridge sent to WhatsApp,
 *       so the EvolutionAPI webhook can drop their echoes.</li>
 * </ul>
 */
public final class MessageMap {

    private final StateStore state;
    private final ObjectMapper mapper;

    /** The WhatsApp side of one Chatwoot message: a reply with attachments is several WhatsApp messages. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record WhatsAppMessages(String instance, String remoteJid, boolean fromMe, String participant,
            List<String> ids) {

        public WhatsAppMessages {
            ids = ids == null ? List.of() : List.copyOf(ids);
        }

        public Optional<String> firstId() {
            return ids.isEmpty() ? Optional.empty() : Optional.of(ids.get(0));
        }
    }

    public MessageMap(StateStore state, ObjectMapper mapper) {
        this.state = state;
        this.mapper = mapper;
    }

    /** Records a WhatsApp message the bridge posted to Chatwoot as {@code chatwootId}. */
    public void recordPosted(long accountId, long chatwootId, WhatsAppMessages whatsApp, Duration ttl) {
        for (String id : whatsApp.ids()) {
            state.put(messageKey(whatsApp.instance(), id), Long.toString(chatwootId), ttl);
        }
        state.put(chatwootKey(accountId, chatwootId), write(whatsApp), ttl);
    }

    /** Records one more WhatsApp message sent for the Chatwoot message {@code chatwootId}. */
    public void recordSent(long accountId, long chatwootId, String instance, String remoteJid, String whatsAppId,
            Duration ttl) {
        List<String> ids = new ArrayList<>(whatsAppOf(accountId, chatwootId).map(WhatsAppMessages::ids)
                .orElse(List.of()));
        if (!ids.contains(whatsAppId)) {
            ids.add(whatsAppId);
        }
        state.put(sentKey(instance, whatsAppId), Long.toString(chatwootId), ttl);
        state.put(messageKey(instance, whatsAppId), Long.toString(chatwootId), ttl);
        state.put(chatwootKey(accountId, chatwootId), write(new WhatsAppMessages(instance, remoteJid, true, null,
                ids)), ttl);
    }

    public Optional<WhatsAppMessages> whatsAppOf(long accountId, long chatwootId) {
        return state.get(chatwootKey(accountId, chatwootId)).map(this::read);
    }

    public Optional<Long> chatwootIdOf(String instance, String whatsAppId) {
        return state.get(messageKey(instance, whatsAppId)).map(Long::parseLong);
    }

    /** Returns true when the bridge itself sent this WhatsApp message, as a reply from Chatwoot. */
    public boolean isSentByBridge(String instance, String whatsAppId) {
        return state.get(sentKey(instance, whatsAppId)).isPresent();
    }

    private String write(WhatsAppMessages whatsApp) {
        try {
            return mapper.writeValueAsString(whatsApp);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a message mapping", e);
        }
    }

    private WhatsAppMessages read(String value) {
        try {
            return mapper.readValue(value, WhatsAppMessages.class);
        } catch (IOException e) {
            throw new UncheckedIOException("The state store has an unreadable message mapping: " + e.getMessage(),
                    e);
        }
    }

    private static String messageKey(String instance, String whatsAppId) {
        return "message:" + instance + ":" + whatsAppId;
    }

    private static String chatwootKey(long accountId, long chatwootId) {
        return "chatwoot-message:" + accountId + ":" + chatwootId;
    }

    private static String sentKey(String instance, String whatsAppId) {
        return "sent:" + instance + ":" + whatsAppId;
    }
}
