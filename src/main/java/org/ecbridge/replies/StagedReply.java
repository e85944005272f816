package org.ecbridge.replies;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import org.ecbridge.storage.StoredMedia;

/**
 * The facts of one Chatwoot event waiting to be delivered to WhatsApp: an agent's message, or the deletion of
 * one. Its {@link #parts} are the WhatsApp messages it becomes; each records its WhatsApp id once sent, so a
 * delivery resumed after a crash sends only what is left.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class StagedReply {

    public static final String MESSAGE = "message";
    public static final String REVOKE = "revoke";

    /** Name of the record file in the replies folder. */
    public String itemId;
    /** {@link #MESSAGE} or {@link #REVOKE}. */
    public String kind;
    public String event;
    public long accountId;
    public long chatwootMessageId;
    /** Display id of the Chatwoot conversation, as in its API paths. */
    public long conversationId;
    public long inboxId;
    /** EvolutionAPI instance that serves the inbox. */
    public String instance;
    /** WhatsApp target: a JID (a group's included), or the phone digits; null when Chatwoot has neither. */
    public String number;
    /** The agent's text as Chatwoot sends it, in Chatwoot's markdown. */
    public String content;
    public String senderName;
    /** Chatwoot id of the message this reply quotes, from {@code content_attributes.in_reply_to}. */
    public Long inReplyToChatwootId;
    public List<Attachment> attachments = new ArrayList<>();
    public List<Part> parts;
    public long receivedAtMillis;

    /** One attachment of the Chatwoot message. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Attachment {
        public long id;
        /** Chatwoot's {@code data_url}, a redirect to the storage service. */
        public String dataUrl;
        /** Chatwoot's {@code file_type}: image, audio, video, file and others. */
        public String fileType;
        public Long fileSizeBytes;
    }

    /** One WhatsApp message of the reply. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Part {
        public static final String TEXT = "text";
        public static final String ATTACHMENT = "attachment";
        public static final String REVOKE = "revoke";

        /** {@link #TEXT}, {@link #ATTACHMENT} or {@link #REVOKE}. */
        public String kind;
        /** WhatsApp-formatted text, or the caption of an attachment. */
        public String text;
        /** Index into {@link StagedReply#attachments}. */
        public Integer attachment;
        /** The WhatsApp message to revoke, for {@link #REVOKE}. */
        public String revokedId;
        /** Kind of message the part was sent as: text, image, video, audio, document, voice, link or revoke. */
        public String sentAs;
        /** WhatsApp id of the sent message; set once the part is delivered. */
        public String whatsAppMessageId;
        /** The copy in the media store, when the attachment is handed over by the bridge's own link. */
        public StoredMedia stored;
        public boolean done;

        public static Part text(String text) {
            Part part = new Part();
            part.kind = TEXT;
            part.text = text;
            return part;
        }

        public static Part attachment(int index, String caption) {
            Part part = new Part();
            part.kind = ATTACHMENT;
            part.attachment = index;
            part.text = caption;
            return part;
        }

        public static Part revoke(String whatsAppId) {
            Part part = new Part();
            part.kind = REVOKE;
            part.revokedId = whatsAppId;
            return part;
        }
    }
}
