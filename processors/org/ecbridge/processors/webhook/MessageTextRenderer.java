package org.ecbridge.processors.webhook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/** Renders a WhatsApp message's content as the text an agent reads in Chatwoot. */
final class MessageTextRenderer {

    /** Returns the text for Chatwoot's {@code content}, or null when the message has none (media only). */
    String render(String contentType, JsonNode body) {
        if (contentType == null || body == null) {
            return null;
        }
        return switch (contentType) {
            case "conversation" -> body.asText();
            case "extendedTextMessage" -> field(body, "text");
            case "imageMessage", "videoMessage", "ptvMessage", "documentMessage" -> field(body, "caption");
            case "locationMessage", "liveLocationMessage" -> location(body);
            case "contactMessage" -> contact(body);
            case "contactsArrayMessage" -> contacts(body);
            case "pollCreationMessage", "pollCreationMessageV2", "pollCreationMessageV3" -> poll(body);
            case "buttonsResponseMessage" -> field(body, "selectedDisplayText");
            case "listResponseMessage" -> field(body, "title");
            case "templateButtonReplyMessage" -> field(body, "selectedDisplayText");
            default -> null;
        };
    }

    private static String location(JsonNode body) {
        double latitude = body.path("degreesLatitude").asDouble();
        double longitude = body.path("degreesLongitude").asDouble();
        List<String> lines = new ArrayList<>();
        lines.add("📍 Location" + suffix(field(body, "name")));
        String address = field(body, "address");
        if (address != null) {
            lines.add(address);
        }
        lines.add("https://www.google.com/maps/search/?api=1&query=" + latitude + "," + longitude);
        return String.join("\n", lines);
    }

    private static String contact(JsonNode body) {
        List<String> lines = new ArrayList<>();
        lines.add("👤 Contact" + suffix(field(body, "displayName")));
        String vcard = field(body, "vcard");
        if (vcard != null) {
            for (String line : vcard.split("\\r?\\n")) {
                vcardLine(line).ifPresent(lines::add);
            }
        }
        return String.join("\n", lines);
    }

    /** Returns "tel: +55 11 90000-0003" for the TEL, EMAIL and ORG lines of a vCard. */
    private static Optional<String> vcardLine(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String property = line.substring(0, colon).split(";")[0];
        property = property.substring(property.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        if (!property.equals("tel") && !property.equals("email") && !property.equals("org")) {
            return Optional.empty();
        }
        return Optional.of(property + ": " + line.substring(colon + 1).replace(";", " ").trim());
    }

    private static String contacts(JsonNode body) {
        List<String> cards = new ArrayList<>();
        for (JsonNode contact : body.path("contacts")) {
            cards.add(contact(contact));
        }
        return cards.isEmpty() ? null : String.join("\n\n", cards);
    }

    private static String poll(JsonNode body) {
        List<String> lines = new ArrayList<>();
        lines.add("📊 Poll" + suffix(field(body, "name")));
        for (JsonNode option : body.path("options")) {
            lines.add("- " + option.path("optionName").asText());
        }
        return String.join("\n", lines);
    }

    private static String suffix(String value) {
        return value == null ? "" : ": " + value;
    }

    private static String field(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }
}
