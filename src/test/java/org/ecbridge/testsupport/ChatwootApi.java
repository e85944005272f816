package org.ecbridge.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

import static org.ecbridge.testsupport.ChatwootRequests.accountId;
import static org.ecbridge.testsupport.ChatwootRequests.jsonBody;
import static org.ecbridge.testsupport.ChatwootRequests.optionalLong;
import static org.ecbridge.testsupport.ChatwootRequests.pathId;
import static org.ecbridge.testsupport.ChatwootRequests.text;

/** Handlers of the Chatwoot stand-in's contact and conversation endpoints. */
final class ChatwootApi {

    /** Chatwoot's {@code RESULTS_PER_PAGE} for contact search. */
    static final int CONTACTS_PER_PAGE = 15;

    private final ChatwootState state;
    private final ChatwootViews views;
    private final ChatwootContract contract;

    ChatwootApi(ChatwootState state, ChatwootViews views, ChatwootContract contract) {
        this.state = state;
        this.views = views;
        this.contract = contract;
    }

    /** {@code GET /api/v1/accounts/{account}/contacts/search?q=&page=&include_contact_inboxes=} */
    void searchContacts(RoutingContext ctx) {
        long accountId = accountId(ctx);
        String query = ctx.queryParams().get("q");
        if (query == null || query.isBlank()) {
            throw ChatwootErrors.unprocessable("Specify search string with parameter q");
        }
        int page = ChatwootRequests.positiveQueryInt(ctx, "page", 1);
        boolean includeContactInboxes = !"false".equals(ctx.queryParams().get("include_contact_inboxes"));

        List<ChatwootContact> matches = state.searchContacts(accountId, query.strip());
        ObjectNode body = StandInJson.object();
        ObjectNode meta = body.putObject("meta");
        meta.put("count", matches.size());
        meta.put("current_page", page);
        ArrayNode payload = body.putArray("payload");
        matches.stream()
                .skip((long) (page - 1) * CONTACTS_PER_PAGE)
                .limit(CONTACTS_PER_PAGE)
                .forEach(contact -> payload.add(views.contact(contact, includeContactInboxes)));
        StandInJson.send(ctx, 200, body);
    }

    /** {@code GET /api/v1/accounts/{account}/inboxes/{inbox}}: 404 for an inbox that is not configured. */
    void showInbox(RoutingContext ctx) {
        ChatwootInbox inbox = state.inbox(pathId(ctx, "inbox"));
        if (inbox == null) {
            throw ChatwootErrors.notFound();
        }

        StandInJson.send(ctx, 200, views.inbox(inbox));
    }

    /** {@code POST /api/v1/accounts/{account}/contacts} */
    void createContact(RoutingContext ctx) {
        long accountId = accountId(ctx);
        contract.check(ctx);
        JsonNode request = jsonBody(ctx);
        ChatwootState.ContactDraft draft = new ChatwootState.ContactDraft(text(request, "name"),
                text(request, "email"), text(request, "phone_number"), text(request, "identifier"),
                ChatwootRequests.railsBoolean(text(request, "blocked")), request.get("additional_attributes"),
                request.get("custom_attributes"), optionalLong(request, "inbox_id"), text(request, "source_id"));

        ChatwootState.ContactCreation created = state.createContact(accountId, draft);
        ObjectNode body = StandInJson.object();
        ObjectNode payload = body.putObject("payload");
        payload.set("contact", views.contact(created.contact(), true));
        ObjectNode contactInbox = payload.putObject("contact_inbox");
        if (created.contactInbox() == null) {
            contactInbox.putNull("inbox");
            contactInbox.putNull("source_id");
        } else {
            contactInbox.set("inbox", views.inbox(state.inbox(created.contactInbox().inboxId())));
            contactInbox.put("source_id", created.contactInbox().sourceId());
        }
        StandInJson.send(ctx, 200, body);
    }

    /** {@code POST /api/v1/accounts/{account}/contacts/{contact}/contact_inboxes} */
    void createContactInbox(RoutingContext ctx) {
        long accountId = accountId(ctx);
        long contactId = pathId(ctx, "contact");
        contract.check(ctx);
        JsonNode request = jsonBody(ctx);
        Long inboxId = optionalLong(request, "inbox_id");
        if (inboxId == null) {
            throw ChatwootErrors.notFound();
        }

        ChatwootContactInbox contactInbox =
                state.addContactInbox(accountId, contactId, inboxId, text(request, "source_id"));
        StandInJson.send(ctx, 200, views.contactInbox(contactInbox));
    }

    /** {@code GET /api/v1/accounts/{account}/conversations/{conversation}}: the conversation_show view. */
    void showConversation(RoutingContext ctx) {
        ChatwootConversation conversation = state.conversation(accountId(ctx), pathId(ctx, "conversation"));

        StandInJson.send(ctx, 200, views.conversation(conversation));
    }

    /** {@code GET /api/v1/accounts/{account}/contacts/{contact}/conversations} */
    void contactConversations(RoutingContext ctx) {
        long accountId = accountId(ctx);
        long contactId = pathId(ctx, "contact");

        List<ChatwootConversation> conversations = state.conversationsOfContact(accountId, contactId);
        ObjectNode body = StandInJson.object();
        ArrayNode payload = body.putArray("payload");
        conversations.forEach(conversation -> payload.add(views.conversation(conversation)));
        StandInJson.send(ctx, 200, body);
    }

    /**
     * {@code POST /public/api/v1/inboxes/{inbox_identifier}/contacts/{source_id}/conversations/{id}/update_last_seen}:
     * 404 unless the inbox, the contact inbox and the conversation belong together.
     */
    void updateLastSeen(RoutingContext ctx) {
        String inboxIdentifier = ctx.pathParam("inbox_identifier");
        String sourceId = ctx.pathParam("source_id");
        long displayId = Long.parseLong(ctx.pathParam("conversation"));

        boolean found = state.conversations().stream()
                .filter(conversation -> conversation.displayId() == displayId)
                .filter(conversation -> conversation.contactInboxSourceId().equals(sourceId))
                .anyMatch(conversation -> state.inbox(conversation.inboxId()).inboxIdentifier()
                        .equals(inboxIdentifier));
        if (!found) {
            throw ChatwootErrors.notFound();
        }
        StandInJson.send(ctx, 200, StandInJson.object());
    }

    /** {@code POST /api/v1/accounts/{account}/conversations/{conversation}/toggle_status} with {@code status}. */
    void toggleStatus(RoutingContext ctx) {
        String status = ctx.body().asJsonObject().getString("status");
        if (!java.util.Set.of("open", "resolved", "pending", "snoozed").contains(status)) {
            throw ChatwootErrors.unprocessable("status " + status + " is not open, resolved, pending or snoozed");
        }

        ChatwootConversation changed = state.setStatus(accountId(ctx), pathId(ctx, "conversation"), status);
        ObjectNode body = StandInJson.object();
        ObjectNode payload = body.putObject("payload");
        payload.put("success", true).put("conversation_id", changed.displayId()).put("current_status", status);
        StandInJson.send(ctx, 200, body);
    }

    /** {@code POST /api/v1/accounts/{account}/conversations} */
    void createConversation(RoutingContext ctx) {
        long accountId = accountId(ctx);
        contract.check(ctx);
        JsonNode request = jsonBody(ctx);
        ChatwootState.ConversationDraft draft = new ChatwootState.ConversationDraft(
                optionalLong(request, "inbox_id"), optionalLong(request, "contact_id"),
                text(request, "source_id"), text(request, "status"), request.get("additional_attributes"),
                request.get("custom_attributes"));

        ChatwootConversation conversation = state.createConversation(accountId, draft);
        StandInJson.send(ctx, 200, views.conversation(conversation));
    }
}
