package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The Chatwoot stand-in's records and the validation rules of Chatwoot 4.9.1's models. Every method is
 * synchronized on this object, so each API call reads and leaves a consistent state.
 */
final class ChatwootState {

    static final int MAX_CONTENT_CHARACTERS = 150_000;
    /** Chatwoot's {@code NUMBER_OF_PERMITTED_ATTACHMENTS}. */
    static final int MAX_ATTACHMENTS_PER_MESSAGE = 15;
    /** Chatwoot's {@code CONVERSATION_MESSAGE_PER_MINUTE_LIMIT} default. */
    static final int MAX_MESSAGES_PER_CONVERSATION_PER_MINUTE = 200;
    /** Chatwoot's contact-conversations endpoint returns the newest 20 conversations. */
    static final int MAX_CONTACT_CONVERSATIONS = 20;

    private static final Pattern E164 = Pattern.compile("^\\+[1-9]\\d{1,14}$");
    /** Devise's default {@code email_regexp}, which Chatwoot's contact model uses. */
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+$");
    private static final Set<String> MESSAGE_TYPES = Set.of("incoming", "outgoing");
    private static final Set<String> CONTENT_TYPES =
            Set.of("text", "input_email", "cards", "input_select", "form", "article");
    private static final Set<String> STATUSES = Set.of("open", "resolved", "pending", "snoozed");

    private final Map<Long, ChatwootInbox> inboxes = new LinkedHashMap<>();
    private final Map<Long, ChatwootContact> contacts = new LinkedHashMap<>();
    private final List<ChatwootConversation> conversations = new ArrayList<>();
    private final List<ChatwootMessage> messages = new ArrayList<>();
    private final Map<String, ChatwootAttachment> attachmentsByBlobKey = new HashMap<>();
    private final Map<Long, Long> lastDisplayIdByAccount = new HashMap<>();
    /** {@code agent_last_seen_at} by internal conversation id; missing means no agent has viewed it. */
    private final Map<Long, Instant> agentLastSeen = new HashMap<>();
    private long lastContactId;
    private long lastConversationId;
    private long lastMessageId;
    private long lastAttachmentId;

    /** The fields of a contact-create request, null where the request had none. */
    record ContactDraft(String name, String email, String phoneNumber, String identifier, boolean blocked,
                        JsonNode additionalAttributes, JsonNode customAttributes, Long inboxId, String sourceId) {
    }

    /** The fields of a conversation-create request, null where the request had none. */
    record ConversationDraft(Long inboxId, Long contactId, String sourceId, String status,
                             JsonNode additionalAttributes, JsonNode customAttributes) {
    }

    /** The fields of a message-create request, null where the request had none. */
    record MessageDraft(String content, String messageType, boolean privateNote, String sourceId,
                        JsonNode contentAttributes, String contentType, String echoId,
                        List<StoredUpload> uploads) {
    }

    /** A file part that the body handler stored on disk, or a direct-upload blob (with its signed id). */
    record StoredUpload(String fileName, String contentType, long sizeBytes, String sha256, Path path,
                        String signedId) {
    }

    /** A created contact and, when the request named an inbox, its contact inbox (else null). */
    record ContactCreation(ChatwootContact contact, ChatwootContactInbox contactInbox) {
    }

    synchronized void addInbox(ChatwootInbox inbox) {
        if (inboxes.putIfAbsent(inbox.id(), inbox) != null) {
            throw new IllegalArgumentException("inbox " + inbox.id() + " is already configured");
        }
    }

    synchronized ChatwootInbox inbox(long inboxId) {
        return inboxes.get(inboxId);
    }

    synchronized ChatwootContact contact(long contactId) {
        return contacts.get(contactId);
    }

    synchronized List<ChatwootContact> contacts() {
        return List.copyOf(contacts.values());
    }

    synchronized List<ChatwootConversation> conversations() {
        return List.copyOf(conversations);
    }

    synchronized List<ChatwootMessage> messages() {
        return List.copyOf(messages);
    }

    synchronized ChatwootAttachment attachmentByBlobKey(String blobKey) {
        return attachmentsByBlobKey.get(blobKey);
    }

    /** Returns the account's contacts that match a stripped, non-blank query, oldest first. */
    synchronized List<ChatwootContact> searchContacts(long accountId, String query) {
        Pattern ilike = likePattern(query, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        Pattern like = likePattern(query, 0);
        List<ChatwootContact> matches = new ArrayList<>();
        for (ChatwootContact contact : contacts.values()) {
            if (contact.accountId() == accountId && matchesSearch(contact, ilike, like)) {
                matches.add(contact);
            }
        }
        return matches;
    }

    synchronized ContactCreation createContact(long accountId, ContactDraft draft) {
        ChatwootInbox inbox = draft.inboxId() == null ? null : requireInbox(draft.inboxId());
        String email = blankToNull(draft.email());
        if (email != null) {
            email = email.strip().toLowerCase(Locale.ROOT);
        }
        String phoneNumber = blankToNull(draft.phoneNumber());
        String identifier = blankToNull(draft.identifier());
        validateContact(accountId, email, phoneNumber, identifier);

        String sourceId = blankToNull(draft.sourceId()) == null ? UUID.randomUUID().toString() : draft.sourceId();
        if (inbox != null) {
            requireFreeSourceId(inbox.id(), sourceId);
        }
        List<ChatwootContactInbox> contactInboxes = new ArrayList<>();
        ChatwootContactInbox contactInbox = inbox == null ? null : new ChatwootContactInbox(inbox.id(), sourceId);
        if (contactInbox != null) {
            contactInboxes.add(contactInbox);
        }
        ChatwootContact contact = new ChatwootContact(++lastContactId, accountId,
                draft.name() == null ? "" : draft.name(), email, phoneNumber, identifier, draft.blocked(),
                objectOrEmpty(draft.additionalAttributes()), objectOrEmpty(draft.customAttributes()), Instant.now(),
                contactInboxes);
        contacts.put(contact.id(), contact);
        return new ContactCreation(contact, contactInbox);
    }

    /** Links a contact to an inbox, reusing the link when the same source id already joins them. */
    synchronized ChatwootContactInbox addContactInbox(long accountId, long contactId, long inboxId,
                                                      String sourceId) {
        ChatwootContact contact = requireContact(accountId, contactId, ChatwootErrors.notFound());
        requireInbox(inboxId);
        String requestedSourceId = blankToNull(sourceId);
        if (requestedSourceId != null) {
            ChatwootContactInbox existing = new ChatwootContactInbox(inboxId, requestedSourceId);
            if (contact.contactInboxes().contains(existing)) {
                return existing;
            }
            requireFreeSourceId(inboxId, requestedSourceId);
        }
        ChatwootContactInbox created = new ChatwootContactInbox(inboxId,
                requestedSourceId == null ? UUID.randomUUID().toString() : requestedSourceId);
        contacts.put(contactId, contact.withContactInbox(created));
        return created;
    }

    /** Returns the contact's newest conversations first, at most {@link #MAX_CONTACT_CONVERSATIONS}. */
    synchronized List<ChatwootConversation> conversationsOfContact(long accountId, long contactId) {
        requireContact(accountId, contactId, ChatwootErrors.notFound());
        return conversations.stream()
                .filter(conversation -> conversation.accountId() == accountId)
                .filter(conversation -> conversation.contactId() == contactId)
                .sorted(Comparator.comparingLong(ChatwootConversation::id).reversed())
                .limit(MAX_CONTACT_CONVERSATIONS)
                .toList();
    }

    synchronized ChatwootConversation createConversation(long accountId, ConversationDraft draft) {
        String status = draft.status() == null ? "open" : draft.status();
        if (!STATUSES.contains(status)) {
            throw ChatwootErrors.unprocessable("'" + status + "' is not a valid status");
        }
        ChatwootContactInbox contactInbox;
        long contactId;
        if (draft.inboxId() != null && draft.contactId() != null) {
            contactId = draft.contactId();
            contactInbox = findOrBuildContactInbox(accountId, draft.contactId(), draft.inboxId(), draft.sourceId());
        } else {
            ChatwootContact owner = contactBySourceId(accountId, draft.inboxId(), draft.sourceId());
            contactId = owner.id();
            contactInbox = owner.contactInboxes().stream()
                    .filter(candidate -> candidate.sourceId().equals(draft.sourceId()))
                    .findFirst()
                    .orElseThrow();
        }
        ChatwootConversation locked = lockedConversation(accountId, contactId, contactInbox.inboxId());
        if (locked != null) {
            return locked;
        }
        long displayId = lastDisplayIdByAccount.merge(accountId, 1L, Long::sum);
        ChatwootConversation conversation = new ChatwootConversation(++lastConversationId, accountId, displayId,
                contactInbox.inboxId(), contactId, contactInbox.sourceId(), status, UUID.randomUUID().toString(),
                objectOrEmpty(draft.additionalAttributes()), objectOrEmpty(draft.customAttributes()),
                Instant.now());
        conversations.add(conversation);
        return conversation;
    }

    synchronized ChatwootConversation conversation(long accountId, long displayId) {
        return conversations.stream()
                .filter(conversation -> conversation.accountId() == accountId)
                .filter(conversation -> conversation.displayId() == displayId)
                .findFirst()
                .orElseThrow(ChatwootErrors::notFound);
    }

    /** Records that an agent viewed the conversation now, as Chatwoot's dashboard does when it is opened. */
    synchronized void agentSaw(long accountId, long displayId, Instant seenAt) {
        agentLastSeen.put(conversation(accountId, displayId).id(), seenAt);
    }

    synchronized Instant agentLastSeen(ChatwootConversation conversation) {
        return agentLastSeen.get(conversation.id());
    }

    /** Returns the conversation's messages, oldest first. */
    synchronized List<ChatwootMessage> messagesOf(ChatwootConversation conversation) {
        return messages.stream()
                .filter(message -> message.accountId() == conversation.accountId())
                .filter(message -> message.conversationDisplayId() == conversation.displayId())
                .toList();
    }

    synchronized ChatwootMessage lastMessage(ChatwootConversation conversation) {
        List<ChatwootMessage> ofConversation = messagesOf(conversation);
        return ofConversation.isEmpty() ? null : ofConversation.get(ofConversation.size() - 1);
    }

    /** Sets a conversation's status, as {@code toggle_status} with an explicit status does. */
    synchronized ChatwootConversation setStatus(long accountId, long displayId, String status) {
        ChatwootConversation old = conversation(accountId, displayId);
        ChatwootConversation changed = new ChatwootConversation(old.id(), accountId, displayId, old.inboxId(),
                old.contactId(), old.contactInboxSourceId(), status, old.uuid(), old.additionalAttributes(),
                old.customAttributes(), old.createdAt());
        conversations.set(conversations.indexOf(old), changed);
        return changed;
    }

    /**
     * Deletes a message as Chatwoot's {@code MessagesController#destroy} does: the record stays, its content
     * becomes "This message was deleted" and {@code content_attributes.deleted} is true.
     */
    synchronized ChatwootMessage deleteMessage(long accountId, long displayId, long messageId) {
        conversation(accountId, displayId);
        for (int i = 0; i < messages.size(); i++) {
            ChatwootMessage message = messages.get(i);
            if (message.id() == messageId && message.accountId() == accountId
                    && message.conversationDisplayId() == displayId) {
                com.fasterxml.jackson.databind.node.ObjectNode attributes = StandInJson.object();
                attributes.put("deleted", true);
                ChatwootMessage deleted = new ChatwootMessage(message.id(), accountId, displayId, message.inboxId(),
                        "This message was deleted", message.messageType(), message.privateNote(),
                        message.sourceId(), attributes, "text", message.echoId(), message.createdAt(), List.of());
                messages.set(i, deleted);
                return deleted;
            }
        }
        throw ChatwootErrors.notFound();
    }

    synchronized ChatwootMessage addMessage(long accountId, long displayId, MessageDraft draft) {
        ChatwootConversation conversation = conversation(accountId, displayId);
        String messageType = draft.messageType() == null ? "outgoing" : draft.messageType();
        String contentType = draft.contentType() == null ? "text" : draft.contentType();
        validateMessage(conversation, draft, messageType, contentType);

        long messageId = ++lastMessageId;
        List<ChatwootAttachment> attachments = new ArrayList<>();
        for (StoredUpload upload : draft.uploads()) {
            ChatwootAttachment attachment = new ChatwootAttachment(++lastAttachmentId, upload.fileName(),
                    upload.contentType(), ChatwootViews.fileType(upload.contentType()), upload.sizeBytes(),
                    upload.sha256(), upload.path(), UUID.randomUUID().toString().replace("-", ""),
                    upload.signedId());
            attachments.add(attachment);
            attachmentsByBlobKey.put(attachment.blobKey(), attachment);
        }
        ChatwootMessage message = new ChatwootMessage(messageId, accountId, displayId, conversation.inboxId(),
                draft.content(), messageType, draft.privateNote(), draft.sourceId(),
                objectOrEmpty(draft.contentAttributes()), contentType, draft.echoId(), Instant.now(), attachments);
        messages.add(message);
        return message;
    }

    private void validateContact(long accountId, String email, String phoneNumber, String identifier) {
        List<String> fullMessages = new ArrayList<>();
        List<String> attributes = new ArrayList<>();
        if (email != null && !EMAIL.matcher(email).matches()) {
            addError(fullMessages, attributes, "email", "Email Invalid email");
        } else if (email != null && anyContact(accountId, contact -> email.equals(contact.email()))) {
            addError(fullMessages, attributes, "email", "Email has already been taken");
        }
        if (identifier != null && anyContact(accountId, contact -> identifier.equals(contact.identifier()))) {
            addError(fullMessages, attributes, "identifier", "Identifier has already been taken");
        }
        if (phoneNumber != null && !E164.matcher(phoneNumber).matches()) {
            addError(fullMessages, attributes, "phone_number", "Phone number should be in e164 format");
        } else if (phoneNumber != null
                && anyContact(accountId, contact -> phoneNumber.equals(contact.phoneNumber()))) {
            addError(fullMessages, attributes, "phone_number", "Phone number has already been taken");
        }
        if (!fullMessages.isEmpty()) {
            throw ChatwootErrors.recordInvalid(fullMessages, attributes);
        }
    }

    private void validateMessage(ChatwootConversation conversation, MessageDraft draft, String messageType,
                                 String contentType) {
        if (!MESSAGE_TYPES.contains(messageType)) {
            throw ChatwootErrors.unprocessable("'" + messageType + "' is not a valid message_type;"
                    + " this API inbox accepts incoming or outgoing");
        }
        if (!CONTENT_TYPES.contains(contentType)) {
            throw ChatwootErrors.unprocessable("'" + contentType + "' is not a valid content_type");
        }
        String content = draft.content();
        if (content != null && content.codePointCount(0, content.length()) > MAX_CONTENT_CHARACTERS) {
            throw ChatwootErrors.unprocessable("Validation failed: Content is too long (maximum is "
                    + MAX_CONTENT_CHARACTERS + " characters)");
        }
        // NOTE: whether Chatwoot 4.9.1 rejects a 16th attachment or drops it silently is not verified.
        // The stand-in rejects it so that a bridge which sends more fails loudly.
        if (draft.uploads().size() > MAX_ATTACHMENTS_PER_MESSAGE) {
            throw ChatwootErrors.unprocessable("Validation failed: Attachments exceeded maximum allowed ("
                    + MAX_ATTACHMENTS_PER_MESSAGE + ")");
        }
        Instant oneMinuteAgo = Instant.now().minus(Duration.ofMinutes(1));
        long recentMessages = messagesOf(conversation).stream()
                .filter(message -> message.createdAt().isAfter(oneMinuteAgo))
                .count();
        if (recentMessages >= MAX_MESSAGES_PER_CONVERSATION_PER_MINUTE) {
            throw ChatwootErrors.unprocessable("Validation failed: Too many messages");
        }
    }

    private ChatwootContactInbox findOrBuildContactInbox(long accountId, long contactId, long inboxId,
                                                         String sourceId) {
        if (inboxes.get(inboxId) == null) {
            throw ChatwootErrors.unprocessable("Couldn't find Inbox with 'id'=" + inboxId);
        }
        ChatwootContact contact = requireContact(accountId, contactId,
                ChatwootErrors.unprocessable("Couldn't find Contact with 'id'=" + contactId
                        + " in account " + accountId));
        String requestedSourceId = blankToNull(sourceId);
        for (ChatwootContactInbox candidate : contact.contactInboxes()) {
            boolean sameInbox = candidate.inboxId() == inboxId;
            if (sameInbox && (requestedSourceId == null || requestedSourceId.equals(candidate.sourceId()))) {
                return candidate;
            }
        }
        if (requestedSourceId != null && sourceIdOwner(inboxId, requestedSourceId) != null) {
            throw ChatwootErrors.unprocessable("source_id should be unique");
        }
        ChatwootContactInbox created = new ChatwootContactInbox(inboxId,
                requestedSourceId == null ? UUID.randomUUID().toString() : requestedSourceId);
        contacts.put(contactId, contact.withContactInbox(created));
        return created;
    }

    private ChatwootContact contactBySourceId(long accountId, Long inboxId, String sourceId) {
        if (blankToNull(sourceId) == null) {
            throw ChatwootErrors.unprocessable(
                    "Couldn't find ContactInbox: send inbox_id with contact_id, or the source_id of a contact inbox");
        }
        for (ChatwootContact contact : contacts.values()) {
            boolean found = contact.accountId() == accountId && contact.contactInboxes().stream()
                    .anyMatch(ci -> ci.sourceId().equals(sourceId) && (inboxId == null || ci.inboxId() == inboxId));
            if (found) {
                return contact;
            }
        }
        throw ChatwootErrors.unprocessable("Couldn't find ContactInbox with source_id '" + sourceId + "'");
    }

    private ChatwootConversation lockedConversation(long accountId, long contactId, long inboxId) {
        ChatwootInbox inbox = inboxes.get(inboxId);
        if (inbox == null || !inbox.lockToSingleConversation()) {
            return null;
        }
        ChatwootConversation last = null;
        for (ChatwootConversation conversation : conversations) {
            if (conversation.accountId() == accountId && conversation.contactId() == contactId
                    && conversation.inboxId() == inboxId) {
                last = conversation;
            }
        }
        return last;
    }

    private ChatwootInbox requireInbox(long inboxId) {
        ChatwootInbox inbox = inboxes.get(inboxId);
        if (inbox == null) {
            throw ChatwootErrors.notFound();
        }
        return inbox;
    }

    private ChatwootContact requireContact(long accountId, long contactId, StandInHttpException failure) {
        ChatwootContact contact = contacts.get(contactId);
        if (contact == null || contact.accountId() != accountId) {
            throw failure;
        }
        return contact;
    }

    private void requireFreeSourceId(long inboxId, String sourceId) {
        if (sourceIdOwner(inboxId, sourceId) != null) {
            throw ChatwootErrors.recordInvalid(List.of("Source has already been taken"), List.of("source_id"));
        }
    }

    private ChatwootContact sourceIdOwner(long inboxId, String sourceId) {
        ChatwootContactInbox link = new ChatwootContactInbox(inboxId, sourceId);
        return contacts.values().stream()
                .filter(contact -> contact.contactInboxes().contains(link))
                .findFirst()
                .orElse(null);
    }

    private boolean anyContact(long accountId, Predicate<ChatwootContact> condition) {
        return contacts.values().stream()
                .anyMatch(contact -> contact.accountId() == accountId && condition.test(contact));
    }

    /**
     * Matches Chatwoot's search: {@code name}, {@code email}, {@code phone_number} and
     * {@code additional_attributes.company_name} with ILIKE, {@code identifier} with case-sensitive LIKE, each
     * against {@code %query%}.
     */
    private static boolean matchesSearch(ChatwootContact contact, Pattern ilike, Pattern like) {
        JsonNode companyName = contact.additionalAttributes().path("company_name");
        return matches(ilike, contact.name())
                || matches(ilike, contact.email())
                || matches(ilike, contact.phoneNumber())
                || matches(ilike, companyName.isTextual() ? companyName.asText() : null)
                || matches(like, contact.identifier());
    }

    private static boolean matches(Pattern pattern, String value) {
        return value != null && pattern.matcher(value).matches();
    }

    /** Translates SQL {@code LIKE '%query%'} to a regex: {@code %} and {@code _} in the query stay wildcards. */
    private static Pattern likePattern(String query, int flags) {
        StringBuilder regex = new StringBuilder(".*");
        for (char c : query.toCharArray()) {
            if (c == '%') {
                regex.append(".*");
            } else if (c == '_') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.append(".*").toString(), flags | Pattern.DOTALL);
    }

    private static void addError(List<String> fullMessages, List<String> attributes, String attribute,
                                 String fullMessage) {
        fullMessages.add(fullMessage);
        if (!attributes.contains(attribute)) {
            attributes.add(attribute);
        }
    }

    private static JsonNode objectOrEmpty(JsonNode node) {
        return node == null || node.isNull() ? JsonNodeFactory.instance.objectNode() : node.deepCopy();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
