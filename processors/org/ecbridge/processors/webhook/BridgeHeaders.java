package org.ecbridge.processors.webhook;

/** Names of the exchange headers and properties the bridge's routes and processors share. */
public final class BridgeHeaders {

    /** EvolutionAPI event name in dotted form, such as {@code messages.upsert}. */
    public static final String EVENT = "BridgeEvent";
    /** Event suffix of a by-events webhook path, such as {@code messages-upsert}. */
    public static final String PATH_EVENT = "BridgePathEvent";
    public static final String INSTANCE = "BridgeInstance";
    public static final String MESSAGE_ID = "BridgeMessageId";
    /** What the webhook route does with a webhook: {@code stage} or {@code ignore}. */
    public static final String OUTCOME = "BridgeOutcome";
    public static final String IGNORED_REASON = "BridgeIgnoredReason";
    /** Exchange property: the temporary file with inline media decoded from the webhook. */
    public static final String INLINE_MEDIA = "BridgeInlineMedia";
    /** Exchange property: the Vert.x request of a webhook whose body is read by the bridge itself. */
    public static final String HTTP_REQUEST = "BridgeHttpRequest";

    /** Exchange property of the delivery routes: the {@link org.ecbridge.staging.StagedMessage} delivered. */
    public static final String MESSAGE = "BridgeMessage";
    /** Exchange property: the record file the delivery route took from the staging inbox. */
    public static final String RECORD_FILE = "BridgeRecordFile";
    /** Exchange property: true while the message's media still has to be fetched. */
    public static final String MEDIA_PENDING = "BridgeMediaPending";
    public static final String CONTACT_ID = "BridgeContactId";
    public static final String CONVERSATION_ID = "BridgeConversationId";
    /** Exchange property: Chatwoot id of the message created for the WhatsApp message. */
    public static final String CHATWOOT_MESSAGE_ID = "BridgeChatwootMessageId";

    /** Exchange property: message create requests already sent for the record (see StagedMessage). */
    public static final String POST_ATTEMPTS = "BridgePostAttempts";
    /** Exchange property: true once the search for a message an earlier attempt created has finished. */
    public static final String EXISTING_SEARCH_DONE = "BridgeExistingSearchDone";
    /** Exchange property: the Chatwoot message id the next page of that search starts before. */
    public static final String EXISTING_SEARCH_BEFORE = "BridgeExistingSearchBefore";
    /** Exchange property: pages of that search read so far. */
    public static final String EXISTING_SEARCH_PAGES = "BridgeExistingSearchPages";

    private BridgeHeaders() {
    }
}
