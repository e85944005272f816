package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.ecbridge.processors.lifecycle.AgentReadReceipts;
import org.ecbridge.processors.webhook.BridgeHeaders;
import org.ecbridge.processors.webhook.WhatsAppFields;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.ecbridge.state.MessageMap;
import org.ecbridge.state.StateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code chatwoot-message} route: build the message create request (JSON for text, multipart with
 * the staged file streamed as {@code attachments[]} for media) and remember which Chatwoot message a WhatsApp
 * message became, so later replies can quote it.
 */
public final class ChatwootMessages {

    private static final Logger LOG = LoggerFactory.getLogger(ChatwootMessages.class);
    private static final ContentType TEXT_UTF8 = ContentType.TEXT_PLAIN.withCharset(StandardCharsets.UTF_8);
    /** Page size of Chatwoot's message list ({@code MessageFinder}) without paging parameters. */
    private static final int CHATWOOT_PAGE_SIZE = 20;
    private static final int DEFAULT_EXISTING_SEARCH_MAX_PAGES = 5;
    /** Allowed difference between this host's clock and Chatwoot's when comparing creation times. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final ChatwootRequests requests;
    private final StagingArea staging;
    private final StateStore state;
    private final Duration messageMapTtl;
    private final ChatwootConversations conversations;
    private final MessageMap messageMap;
    private final int existingSearchMaxPages;

    public ChatwootMessages(ChatwootRequests requests, ChatwootConversations conversations, StagingArea staging,
            StateStore state, Duration messageMapTtl) {
        this(requests, conversations, staging, state, messageMapTtl, DEFAULT_EXISTING_SEARCH_MAX_PAGES);
    }

    public ChatwootMessages(ChatwootRequests requests, ChatwootConversations conversations, StagingArea staging,
            StateStore state, Duration messageMapTtl, int existingSearchMaxPages) {
        this.requests = requests;
        this.conversations = conversations;
        this.staging = staging;
        this.state = state;
        this.messageMapTtl = messageMapTtl;
        this.messageMap = new MessageMap(state, requests.mapper());
        this.existingSearchMaxPages = existingSearchMaxPages;
    }

    /**
     * Starts the search for a message that an earlier attempt created: the WhatsApp to Chatwoot id mapping in the
     * state store first, then the conversation's messages, newest first (see {@link #readList}).
     */
    public void startExistingSearch(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        exchange.removeProperty(BridgeHeaders.EXISTING_SEARCH_BEFORE);
        exchange.setProperty(BridgeHeaders.EXISTING_SEARCH_PAGES, 0);
        Optional<Long> mapped = chatwootMessageId(message.instance, message.messageId);
        exchange.setProperty(BridgeHeaders.EXISTING_SEARCH_DONE, mapped.isPresent());
        mapped.ifPresent(id -> foundExisting(exchange, message, id, "the state store"));
    }

    /** Prepares {@code GET .../conversations/{id}/messages}, paging to older messages after the first page. */
    public void listRequest(Exchange exchange) throws IOException {
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        Long before = exchange.getProperty(BridgeHeaders.EXISTING_SEARCH_BEFORE, Long.class);
        requests.prepare(exchange, "GET", "/conversations/" + conversationId + "/messages",
                before == null ? null : "before=" + before, null);
    }

    /**
     * Looks for the message's {@code source_id} in one page of Chatwoot's response, which contains up to 20 messages,
     * oldest first. The search stops when it is found, when the page is the conversation's last, when the page
     * reaches messages created before the message was received (no attempt can be older), or after
     * {@code bridge.delivery.existing-message-max-pages} pages.
     *
     * <p>NOTE: with more than that many pages of newer messages in the conversation, an earlier attempt's
     * message is not found and the message is posted again.
     */
    public void readList(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        JsonNode page = requests.readJson(exchange).path("payload");
        int pages = exchange.getProperty(BridgeHeaders.EXISTING_SEARCH_PAGES, 0, Integer.class) + 1;
        exchange.setProperty(BridgeHeaders.EXISTING_SEARCH_PAGES, pages);
        for (JsonNode posted : page) {
            if (sourceId(message).equals(posted.path("source_id").asText(null))) {
                if (posted.path("created_at").canConvertToLong()) {
                    exchange.setProperty(AgentReadReceipts.CHATWOOT_CREATED_AT, posted.path("created_at").asLong());
                }
                foundExisting(exchange, message, posted.path("id").asLong(), "the conversation's messages");
                exchange.setProperty(BridgeHeaders.EXISTING_SEARCH_DONE, true);
                return;
            }
        }
        JsonNode oldest = page.path(0);
        long receivedSeconds = (message.receivedAtMillis - CLOCK_SKEW.toMillis()) / 1000;
        boolean lastPage = page.size() < CHATWOOT_PAGE_SIZE;
        boolean olderThanMessage = oldest.path("created_at").asLong(Long.MAX_VALUE) < receivedSeconds;
        if (lastPage || olderThanMessage || pages >= existingSearchMaxPages) {
            if (!lastPage && !olderThanMessage) {
                LOG.warn("Message {} of instance {} was not found in the newest {} pages of conversation {}; posting "
                        + "it again may duplicate it", message.messageId, message.instance, pages,
                        exchange.getProperty(BridgeHeaders.CONVERSATION_ID));
            }
            exchange.setProperty(BridgeHeaders.EXISTING_SEARCH_DONE, true);
            return;
        }
        exchange.setProperty(BridgeHeaders.EXISTING_SEARCH_BEFORE, oldest.path("id").asLong());
    }

    private void foundExisting(Exchange exchange, StagedMessage message, long chatwootId, String where) {
        exchange.setProperty(BridgeHeaders.CHATWOOT_MESSAGE_ID, chatwootId);
        state.put(messageKey(message.instance, message.messageId), Long.toString(chatwootId), messageMapTtl);
        LOG.info("Message {} of instance {} is already Chatwoot message {} (found in {}) after {} earlier attempts; "
                + "it is not posted again", message.messageId, message.instance, chatwootId, where,
                message.postAttempts);
    }

    public void createRequest(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        long conversationId = exchange.getProperty(BridgeHeaders.CONVERSATION_ID, Long.class);
        String path = "/conversations/" + conversationId + "/messages";
        String content = content(message);
        ObjectNode attributes = contentAttributes(message);
        String messageType = message.fromMe ? "outgoing" : "incoming";

        boolean linkOrText = message.media == null || message.media.file == null
                || MediaDelivery.LINK.equals(message.media.delivery);
        if (linkOrText || message.media.directUploadSignedId != null) {
            ObjectNode body = requests.mapper().createObjectNode()
                    .put("content", content)
                    .put("message_type", messageType)
                    .put("private", false)
                    .put("source_id", sourceId(message));
            if (!attributes.isEmpty()) {
                body.set("content_attributes", attributes);
            }
            if (!linkOrText) {
                // A blob uploaded through direct_uploads is attached by its signed id.
                body.putArray("attachments").add(message.media.directUploadSignedId);
            }
            requests.prepare(exchange, "POST", path, null, body);
            return;
        }
        requests.prepare(exchange, "POST", path, null, null);
        exchange.getIn().setBody(multipart(message, content, messageType, attributes));
    }

    /**
     * Reads the response to the message create request, which is sent with {@code throwExceptionOnFailure=false}:
     * a 404 means the cached conversation is gone, so it is forgotten before the failure leads to a redelivery.
     */
    public void readCreate(Exchange exchange) throws Exception {
        StagedMessage message = ChatwootRequests.message(exchange);
        int status = exchange.getIn().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status == 404) {
            conversations.forget(exchange);
            throw new StaleConversationException("Chatwoot conversation of message " + message.messageId
                    + " no longer exists; a new one is found or created on redelivery");
        }
        boolean attachment = message.media != null && MediaDelivery.ATTACHMENT.equals(message.media.delivery);
        if (attachment && (status == 413 || status == 422)) {
            fallBackToLink(exchange, message, "Chatwoot rejected the attachment with HTTP " + status);
        }
        if (status < 200 || status >= 300) {
            throw requests.failure(exchange, status);
        }
        JsonNode created = requests.readJson(exchange);
        long chatwootId = created.path("id").asLong(-1);
        exchange.setProperty(BridgeHeaders.CHATWOOT_MESSAGE_ID, chatwootId);
        if (created.path("created_at").canConvertToLong()) {
            exchange.setProperty(AgentReadReceipts.CHATWOOT_CREATED_AT, created.path("created_at").asLong());
        }
        if (chatwootId > 0) {
            // Both directions: a later WhatsApp quote finds this message, a Chatwoot reply can quote it, and its
            // webhook is recognised as the bridge's own post.
            messageMap.recordPosted(requests.accountId(), chatwootId, new MessageMap.WhatsAppMessages(
                    message.instance, message.remoteJid, message.fromMe, message.participant,
                    java.util.List.of(message.messageId)), messageMapTtl);
        }
    }

    /**
     * Handles an upload that timed out: an attachment is posted as a link on the next attempt, anything else
     * fails with the timeout so the redelivery policy retries it.
     */
    public void uploadTimedOut(Exchange exchange) throws Exception {
        StagedMessage message = ChatwootRequests.message(exchange);
        if (message.media != null && MediaDelivery.ATTACHMENT.equals(message.media.delivery)) {
            fallBackToLink(exchange, message, "the attachment upload to Chatwoot timed out");
        }
        throw exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
    }

    private void fallBackToLink(Exchange exchange, StagedMessage message, String reason)
            throws IOException, AttachmentRejectedException {
        message.media.delivery = MediaDelivery.LINK;
        Path recordFile = exchange.getProperty(BridgeHeaders.RECORD_FILE, Path.class);
        if (recordFile != null) {
            staging.writeRecord(recordFile, message);
        }
        LOG.warn("{} for message {} of instance {}; posting a link to the file instead", reason, message.messageId,
                message.instance);
        throw new AttachmentRejectedException(reason + "; the next attempt posts a link instead");
    }

    /** Returns the Chatwoot message id a WhatsApp message was posted as, when the bridge posted it. */
    public Optional<Long> chatwootMessageId(String instance, String whatsAppMessageId) {
        return state.get(messageKey(instance, whatsAppMessageId)).map(Long::parseLong);
    }

    private HttpEntity multipart(StagedMessage message, String content, String messageType,
            ObjectNode attributes) {
        StagedMessage.Media media = message.media;
        Path file = staging.mediaFile(media.file);
        ContentType fileType = media.mimetype == null ? ContentType.APPLICATION_OCTET_STREAM
                : ContentType.parseLenient(media.mimetype);
        MultipartEntityBuilder builder = MultipartEntityBuilder.create()
                .setMode(HttpMultipartMode.EXTENDED)
                .setCharset(StandardCharsets.UTF_8);
        if (content != null && !content.isEmpty()) {
            builder.addTextBody("content", content, TEXT_UTF8);
        }
        builder.addTextBody("message_type", messageType, TEXT_UTF8);
        builder.addTextBody("private", "false", TEXT_UTF8);
        builder.addTextBody("source_id", sourceId(message), TEXT_UTF8);
        if (!attributes.isEmpty()) {
            builder.addTextBody("content_attributes", attributes.toString(), ContentType.APPLICATION_JSON);
        }
        builder.addPart(AttachmentPart.file("attachments[]", file, fileType, media.fileName));
        LOG.debug("Posting {} bytes of {} as {} for message {} of instance {}", media.sizeBytes, media.kind,
                media.fileName, message.messageId, message.instance);
        return builder.build();
    }

    /** Returns the text of the message, with the sender's name in a group and a note on media that is missing. */
    static String content(StagedMessage message) {
        StringBuilder content = new StringBuilder();
        if (message.isGroup() && !message.fromMe) {
            String sender = message.pushName != null ? message.pushName : "Unknown sender";
            String phone = WhatsAppFields.e164(message.participant).orElse(message.participant);
            content.append("**").append(sender).append("**");
            if (phone != null) {
                content.append(" (").append(phone).append(')');
            }
            content.append(":\n");
        }
        if (message.text != null) {
            content.append(message.text);
        }
        if (message.media != null && message.media.file == null) {
            content.append(content.length() > 0 ? "\n\n" : "").append("[The ").append(message.media.kind)
                    .append(' ').append(message.media.fileName).append(" could not be fetched: ")
                    .append(message.media.fetchFailure).append(']');
        } else if (message.media != null && MediaDelivery.LINK.equals(message.media.delivery)) {
            content.append(content.length() > 0 ? "\n\n" : "").append(linkBlock(message.media));
        }
        return content.toString();
    }

    /** Describes a file posted as a link: name, size, the link and until when it works. */
    static String linkBlock(StagedMessage.Media media) {
        String expires = media.linkExpiresAtMillis == null ? "" : " The link works until "
                + java.time.Instant.ofEpochMilli(media.linkExpiresAtMillis).truncatedTo(java.time.temporal.ChronoUnit
                        .MINUTES) + ".";
        return "📎 " + media.fileName + " (" + humanSize(media.sizeBytes == null ? 0 : media.sizeBytes) + ")\n"
                + media.linkUrl + "\n" + "The file is over Chatwoot's attachment limit, or Chatwoot did not accept it "
                + "as an attachment, so the bridge keeps it." + expires;
    }

    static String humanSize(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private ObjectNode contentAttributes(StagedMessage message) {
        ObjectNode attributes = requests.mapper().createObjectNode();
        if (message.quotedMessageId != null) {
            chatwootMessageId(message.instance, message.quotedMessageId)
                    .ifPresent(id -> attributes.put("in_reply_to", id));
            attributes.put("in_reply_to_external_id", "WAID:" + message.quotedMessageId);
        }
        return attributes;
    }

    /**
     * Returns {@code WAID:<messageId>}, the {@code source_id} of every post for a staged record. The search for an
     * earlier attempt looks for it, and the Chatwoot webhook reader does not send such messages back to WhatsApp.
     */
    public static String sourceId(StagedMessage message) {
        return "WAID:" + message.messageId;
    }

    private static String messageKey(String instance, String whatsAppMessageId) {
        return "message:" + instance + ":" + whatsAppMessageId;
    }
}
