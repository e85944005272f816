package org.ecbridge.processors.reply;

/** Names of the exchange headers and properties of the Chatwoot webhook and reply delivery routes. */
public final class ReplyHeaders {

    /** Header: key under which the webhook route drops a repeated event, such as {@code message_created:1:4713}. */
    public static final String EVENT_KEY = "BridgeReplyEventKey";
    /** Exchange property: the {@code X-Chatwoot-Signature} hex digest, when the webhook must be signed. */
    public static final String SIGNATURE = "BridgeChatwootSignature";
    /** Exchange property: the {@code X-Chatwoot-Timestamp} that the signature covers. */
    public static final String SIGNATURE_TIMESTAMP = "BridgeChatwootTimestamp";

    /** Exchange property of the delivery routes: the {@link org.ecbridge.replies.StagedReply} delivered. */
    public static final String REPLY = "BridgeReply";
    /** Exchange property: the record file the delivery route took from the replies inbox. */
    public static final String RECORD_FILE = "BridgeReplyFile";
    /** Exchange property: the {@link org.ecbridge.replies.StagedReply.Part} being sent. */
    public static final String PART = "BridgeReplyPart";
    /** Exchange property: the {@link AttachmentProbe.Probe} of the attachment being sent. */
    public static final String PROBE = "BridgeAttachmentProbe";
    /** Exchange property: the {@link AttachmentPlan} of the attachment being sent. */
    public static final String PLAN = "BridgeAttachmentPlan";

    /**
     * Headers a request step must keep when it clears the others: Camel's redelivery error handler counts the
     * attempts in {@code CamelRedeliveryCounter}, so removing it would redeliver without end.
     */
    public static final String REDELIVERY_HEADERS = "CamelRedeliver*";

    private ReplyHeaders() {
    }
}
