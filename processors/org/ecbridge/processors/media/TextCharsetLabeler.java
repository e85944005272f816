package org.ecbridge.processors.media;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.tika.mime.MediaType;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.staging.StagedMessage;

/**
 * Steps of the {@code text-charset} route that name a text file's charset in its mimetype, as in
 * {@code text/csv; charset=windows-1252}, without touching its bytes.
 */
public final class TextCharsetLabeler {

    private static final String DEFAULT_TEXT_TYPE = "text/plain";

    /** Labels the mimetype with the charset in {@link TextCharsetDetector#CHARSET}. */
    public void labelDetected(Exchange exchange) {
        TextCharset detected = exchange.getProperty(TextCharsetDetector.CHARSET, TextCharset.class);
        label(exchange, detected.mimeName());
    }

    /** Labels the mimetype of a file that is ASCII or UTF-8 with {@code charset=utf-8}. */
    public void labelUtf8(Exchange exchange) {
        label(exchange, "utf-8");
    }

    /**
     * Returns {@code mimetype} with its {@code charset} parameter set to {@code charset} and its other parameters
     * kept; a missing or unparsable mimetype becomes {@code text/plain}.
     */
    public static String withCharset(String mimetype, String charset) {
        MediaType parsed = mimetype == null ? null : MediaType.parse(mimetype.trim());
        MediaType base = parsed == null ? MediaType.parse(DEFAULT_TEXT_TYPE) : parsed;

        Map<String, String> parameters = new LinkedHashMap<>(base.getParameters());
        parameters.put("charset", charset);

        return new MediaType(base.getBaseType(), parameters).toString();
    }

    private static void label(Exchange exchange, String charset) {
        StagedMessage.Media media = ChatwootRequests.message(exchange).media;
        media.mimetype = withCharset(media.mimetype, charset);
    }
}
