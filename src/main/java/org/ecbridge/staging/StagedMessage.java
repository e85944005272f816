package org.ecbridge.staging;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The facts of one WhatsApp message waiting in the staging area: ids, names, text and where its media is. The
 * media bytes themselves are a separate file; this record stays a few kilobytes whatever the file's size.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class StagedMessage {

    /** Name of the record and media files in the staging area. */
    public String itemId;
    public String event;
    public String instance;
    public String messageId;
    /** Chat JID: the customer's phone JID for a direct chat, the group JID for a group. */
    public String remoteJid;
    /** Phone JID when {@link #remoteJid} is a LID ({@code @lid}) and EvolutionAPI sent the alternative. */
    public String remoteJidAlt;
    /** Sender JID inside a group. */
    public String participant;
    public boolean fromMe;
    public String pushName;
    public String messageType;
    public Long messageTimestampSeconds;
    /** Text for Chatwoot's {@code content}: the message text, a caption, or a location or contact card. */
    public String text;
    /** WhatsApp id of the message this one quotes. */
    public String quotedMessageId;
    public Media media;
    /** The webhook's {@code data.key} and {@code data.message} without base64 or thumbnails, for media sources. */
    public ObjectNode key;
    public ObjectNode message;
    public long receivedAtMillis;
    /**
     * Message create requests sent to Chatwoot for this record so far, saved before each one. Above zero, an
     * earlier attempt may have created the message, so delivery looks for it before posting again.
     */
    public int postAttempts;
    /**
     * Set, and written to the record, once the message is in Chatwoot and before its media is deleted, so that a
     * record left behind by a crash after delivery is completed without being delivered again.
     */
    public boolean delivered;
    /**
     * Kind of lifecycle event for a record that is not a new message: {@code connection}, {@code delete},
     * {@code edit} or {@code reaction}. Null for a message to post.
     */
    public String lifecycle;
    /** WhatsApp id of the message a lifecycle record refers to: the deleted, edited or reacted message. */
    public String targetMessageId;
    /** Connection state of the instance for a {@code connection} record: open, connecting, close or refused. */
    public String connectionState;
    public String connectionStatusReason;

    public boolean isGroup() {
        return remoteJid != null && remoteJid.endsWith("@g.us");
    }

    public String idempotencyKey() {
        return instance + ":" + messageId;
    }

    /** Media facts; {@link #file} is set once the bytes are staged. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Media {
        /** image, video, audio, document or sticker. */
        public String kind;
        public String mimetype;
        public String fileName;
        /** fileLength as the sending phone declared it; only a hint. */
        public Long declaredBytes;
        public boolean voiceNote;
        public String mediaUrl;
        /** Staged file name inside the staging media folder, or null while the bytes are not fetched yet. */
        public String file;
        public Long sizeBytes;
        public String sha256Hex;
        /** MD5 of the staged file in base64, the checksum of a Chatwoot direct upload. */
        public String md5Base64;
        /** Media source the bytes came from: inline, media-url, evolution-api or whatsapp-cdn. */
        public String source;
        /** Reason no source produced the bytes, when none did. */
        public String fetchFailure;
        /**
         * Size of a file over {@code bridge.media.max-file-bytes}, which is counted but never stored: the declared
         * size, or the bytes seen before the bridge stopped reading.
         */
        public Long oversizedBytes;
        /** Delivery mode of the file, attachment or link, set by the media router and kept across retries. */
        public String delivery;
        /** Key of the file in the media store, once it is stored for a link. */
        public String storedKey;
        public String linkUrl;
        /** Signed id of the Active Storage blob the file was uploaded to directly, once it is uploaded. */
        public String directUploadSignedId;
        public Long linkExpiresAtMillis;
    }
}
