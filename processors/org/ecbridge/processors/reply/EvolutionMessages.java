package org.ecbridge.processors.reply;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.ecbridge.replies.StagedReply;
import org.ecbridge.state.MessageMap;

/**
 * Builds EvolutionAPI's send requests for one part of a reply and reads their responses. Media always goes as a
 * URL, never as base64: {@code POST /message/sendText}, {@code /message/sendMedia} (with {@code mediatype},
 * {@code mimetype} and a {@code fileName} whose extension matches the type), {@code /message/sendWhatsAppAudio}
 * for voice notes, and {@code DELETE /chat/deleteMessageForEveryone} to revoke. The endpoint is called with
 * {@code throwExceptionOnFailure=false}, so this class turns each failure into a transient error (redelivered)
 * or a {@link ReplyRejectedException} with the reason for the agent.
 */
public final class EvolutionMessages {

    private static final int MAX_ERROR_BODY_BYTES = 4096;

    private final ObjectMapper mapper;
    private final String apiKey;
    private final MessageMap messages;

    /** @param apiKey EvolutionAPI's {@code apikey}, or null when none is configured */
    public EvolutionMessages(ObjectMapper mapper, String apiKey, MessageMap messages) {
        this.mapper = mapper;
        this.apiKey = apiKey;
        this.messages = messages;
    }

    /** Prepares the request that sends the current part. */
    public void sendRequest(Exchange exchange) throws Exception {
        if (apiKey == null) {
            throw new ReplyRejectedException("the bridge has no EvolutionAPI key; set bridge.evolution.api-key "
                    + "(and bridge.evolution.url) so it can send replies");
        }
        StagedReply reply = ReplyRecords.reply(exchange);
        StagedReply.Part part = ReplyRecords.part(exchange);
        AttachmentPlan plan = exchange.getProperty(ReplyHeaders.PLAN, AttachmentPlan.class);
        ObjectNode body = mapper.createObjectNode();
        String action;

        if (StagedReply.Part.REVOKE.equals(part.kind)) {
            action = "/chat/deleteMessageForEveryone/";
            body.put("id", part.revokedId).put("remoteJid", jid(reply.number)).put("fromMe", true);
            part.sentAs = "revoke";
            prepare(exchange, "DELETE", action, reply.instance, body);
            return;
        }
        body.put("number", reply.number);
        if (plan == null) {
            action = "/message/sendText/";
            body.put("text", part.text);
            part.sentAs = "text";
        } else if (plan.sentAs().equals("link")) {
            action = "/message/sendText/";
            body.put("text", linkText(part.text, plan, ReplyRecords.attachment(exchange)));
            part.sentAs = "link";
        } else if (plan.sentAs().equals("voice")) {
            action = "/message/sendWhatsAppAudio/";
            body.put("audio", plan.sourceUrl());
            part.sentAs = "voice";
        } else {
            action = "/message/sendMedia/";
            body.put("mediatype", plan.sentAs()).put("mimetype", plan.mimetype()).put("media", plan.sourceUrl())
                    .put("fileName", plan.fileName());
            if (part.text != null) {
                body.put("caption", part.text);
            }
            part.sentAs = plan.sentAs();
        }
        addQuote(body, reply, part);
        prepare(exchange, "POST", action, reply.instance, body);
    }

    /** Reads EvolutionAPI's response into the part: the sent message's {@code key.id}. */
    public void readResponse(Exchange exchange) throws Exception {
        StagedReply reply = ReplyRecords.reply(exchange);
        StagedReply.Part part = ReplyRecords.part(exchange);
        Message in = exchange.getIn();
        int status = in.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status >= 200 && status < 300) {
            if (!StagedReply.Part.REVOKE.equals(part.kind)) {
                part.whatsAppMessageId = sentId(in);
            }
            return;
        }
        String body = errorBody(in);
        if (status == 408 || status == 429 || status >= 500) {
            throw new HttpOperationFailedException("EvolutionAPI instance " + reply.instance, status,
                    in.getHeader(Exchange.HTTP_RESPONSE_TEXT, String.class), null, Map.of(), body);
        }
        throw new ReplyRejectedException(rejection(reply, status, body));
    }

    private void addQuote(ObjectNode body, StagedReply reply, StagedReply.Part part) {
        if (reply.inReplyToChatwootId == null || reply.parts.indexOf(part) != 0) {
            return;
        }
        Optional<MessageMap.WhatsAppMessages> quoted = messages.whatsAppOf(reply.accountId,
                reply.inReplyToChatwootId);
        if (quoted.isEmpty() || quoted.get().firstId().isEmpty()) {
            return;
        }
        ObjectNode key = body.putObject("quoted").putObject("key");
        key.put("id", quoted.get().firstId().get());
        if (quoted.get().remoteJid() != null) {
            key.put("remoteJid", jid(quoted.get().remoteJid()));
        }
        key.put("fromMe", quoted.get().fromMe());
        if (quoted.get().participant() != null) {
            key.put("participant", quoted.get().participant());
        }
    }

    private void prepare(Exchange exchange, String method, String action, String instance, ObjectNode body)
            throws IOException {
        prepareRequest(exchange, mapper, apiKey, method, action, instance, body);
    }

    /**
     * Prepares a JSON request to EvolutionAPI's {@code <action><instance>}, such as
     * {@code /message/sendText/<instance>}, removing every header except the redelivery counters first.
     */
    public static void prepareRequest(Exchange exchange, ObjectMapper mapper, String apiKey, String method,
            String action, String instance, ObjectNode body) throws IOException {
        Message in = exchange.getIn();
        in.removeHeaders("*", ReplyHeaders.REDELIVERY_HEADERS);
        in.setHeader(Exchange.HTTP_METHOD, method);
        in.setHeader(Exchange.HTTP_PATH, action + URLEncoder.encode(instance, StandardCharsets.UTF_8)
                .replace("+", "%20"));
        in.setHeader("apikey", apiKey);
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        in.setHeader("Accept", "application/json");
        in.setBody(mapper.writeValueAsString(body));
    }

    private String sentId(Message in) throws IOException {
        JsonNode answer;
        try (InputStream body = in.getBody(InputStream.class)) {
            answer = body == null ? mapper.createObjectNode() : mapper.readTree(body);
        }
        String id = answer.path("key").path("id").asText(null);
        if (id == null || id.isEmpty()) {
            throw new IOException("EvolutionAPI accepted the message but its response has no key.id");
        }
        return id;
    }

    private String rejection(StagedReply reply, int status, String body) {
        JsonNode answer;
        try {
            answer = mapper.readTree(body);
        } catch (IOException e) {
            answer = mapper.createObjectNode();
        }
        JsonNode details = answer.path("response").path("message");
        for (JsonNode detail : details) {
            if (detail.isObject() && detail.has("exists") && !detail.path("exists").asBoolean(true)) {
                return "the number " + detail.path("number").asText(reply.number) + " is not on WhatsApp";
            }
        }
        if (status == 401) {
            return "EvolutionAPI rejected the bridge's key (HTTP 401); check bridge.evolution.api-key";
        }
        if (status == 404) {
            return "EvolutionAPI has no instance " + reply.instance + " (HTTP 404); check "
                    + "bridge.chatwoot.inbox-by-instance and bridge.reply.default-instance";
        }
        String reason = details.isMissingNode() ? body : details.toString();
        return "EvolutionAPI rejected the message with HTTP " + status + ": " + abbreviate(reason);
    }

    private static String linkText(String caption, AttachmentPlan plan, StagedReply.Attachment attachment) {
        String line = plan.fileName() + " (" + megabytes(plan.sizeBytes()) + "): " + attachment.dataUrl;
        return caption == null ? line : caption + "\n\n" + line;
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1_000_000.0);
    }

    /** Returns a chat JID: digits become a phone JID, a JID stays as it is. */
    static String jid(String number) {
        return number.contains("@") ? number : number + "@s.whatsapp.net";
    }

    private static String errorBody(Message in) throws IOException {
        Object body = in.getBody();
        if (body instanceof InputStream stream) {
            try (stream) {
                return new String(stream.readNBytes(MAX_ERROR_BODY_BYTES), StandardCharsets.UTF_8);
            }
        }
        return body == null ? "" : abbreviate(in.getBody(String.class));
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 500 ? text : text.substring(0, 500) + "...";
    }
}
