package org.ecbridge.processors.reply;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Chatwoot's markdown into WhatsApp's formatting: {@code **bold**} and {@code __bold__} become
 * {@code *bold*}, {@code *italic*} and {@code _italic_} become {@code _italic_}, {@code ~~strike~~} becomes
 * {@code ~strike~}. Code spans and fenced code blocks are kept as they are, since WhatsApp shows both as
 * monospace. Optionally puts the agent's name in front, as {@code *Name:*} and a delimiter.
 */
public final class WhatsAppFormatter {

    /** Fenced blocks first, so a backtick inside a fence does not start a code span. */
    private static final Pattern CODE = Pattern.compile("```[\\s\\S]*?```|`[^`\\n]+`");
    private static final Pattern BOLD = Pattern.compile("\\*\\*(?=\\S)(.+?)(?<=\\S)\\*\\*|__(?=\\S)(.+?)(?<=\\S)__");
    private static final Pattern ITALIC = Pattern.compile("(?<![\\w*])\\*(?=[^\\s*])(.+?)(?<=[^\\s*])\\*(?![\\w*])");
    private static final Pattern STRIKE = Pattern.compile("~~(?=\\S)(.+?)(?<=\\S)~~");
    /** Stands in for WhatsApp's bold asterisk until italics are converted, so they are not mistaken for it. */
    private static final char BOLD_MARK = '\u0001';

    private final boolean signMessages;
    private final String signatureDelimiter;

    public WhatsAppFormatter(boolean signMessages, String signatureDelimiter) {
        this.signMessages = signMessages;
        this.signatureDelimiter = signatureDelimiter;
    }

    /** Returns the WhatsApp text of an agent's message, signed with {@code agentName} when configured. */
    public String format(String markdown, String agentName) {
        String text = markdown == null ? "" : convert(markdown);
        if (!signMessages || agentName == null || agentName.isBlank()) {
            return text;
        }
        return "*" + agentName.strip() + ":*" + signatureDelimiter + text;
    }

    /** Converts the markdown outside code spans and fenced blocks. */
    static String convert(String markdown) {
        StringBuilder out = new StringBuilder(markdown.length());
        Matcher code = CODE.matcher(markdown);
        int last = 0;
        while (code.find()) {
            out.append(convertProse(markdown.substring(last, code.start())));
            out.append(code.group());
            last = code.end();
        }
        out.append(convertProse(markdown.substring(last)));
        return out.toString();
    }

    private static String convertProse(String prose) {
        String bold = BOLD.matcher(prose).replaceAll(match -> Matcher.quoteReplacement(BOLD_MARK
                + (match.group(1) != null ? match.group(1) : match.group(2)) + BOLD_MARK));
        String italic = ITALIC.matcher(bold).replaceAll("_$1_");
        String strike = STRIKE.matcher(italic).replaceAll("~$1~");
        return strike.replace(BOLD_MARK, '*');
    }
}
