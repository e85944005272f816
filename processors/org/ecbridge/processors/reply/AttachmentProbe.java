package org.ecbridge.processors.reply;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.core5.http.io.EofSensorInputStream;
import org.ecbridge.replies.StagedReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code reply-attachment-probe} route: follow a Chatwoot {@code data_url} through its redirects
 * one request at a time, and learn the file's real type and size from the storage's response to a
 * {@code Range: bytes=0-0} request, so no more than a byte of the file is read. The request is a GET, because
 * presigned S3 links are signed for GET and answer a HEAD with 403.
 */
public final class AttachmentProbe {

    private static final Logger LOG = LoggerFactory.getLogger(AttachmentProbe.class);
    private static final Pattern CONTENT_RANGE_TOTAL = Pattern.compile("bytes\\s+[^/]+/(\\d+)");
    private static final int MAX_ERROR_BODY_BYTES = 4096;

    private final int maxRedirects;

    /** The probe's findings: the file's final URL, its type and its size. */
    public static final class Probe {
        public String url;
        public int redirects;
        public boolean done;
        public String contentType;
        public Long sizeBytes;

        Probe(String url) {
            this.url = url;
        }
    }

    public AttachmentProbe(int maxRedirects) {
        this.maxRedirects = maxRedirects;
    }

    public void start(Exchange exchange) throws ReplyRejectedException {
        StagedReply.Attachment attachment = ReplyRecords.attachment(exchange);
        if (attachment.dataUrl == null || !attachment.dataUrl.matches("(?i)https?://.+")) {
            throw new ReplyRejectedException("Chatwoot sent attachment " + attachment.id + " without a usable "
                    + "data_url (" + attachment.dataUrl + ")");
        }
        exchange.setProperty(ReplyHeaders.PROBE, new Probe(attachment.dataUrl));
    }

    public boolean pending(Exchange exchange) {
        return !probe(exchange).done;
    }

    public void request(Exchange exchange) {
        Message in = exchange.getIn();
        in.removeHeaders("*", ReplyHeaders.REDELIVERY_HEADERS);
        in.setHeader(Exchange.HTTP_METHOD, "GET");
        in.setHeader(Exchange.HTTP_URI, probe(exchange).url);
        in.setHeader("Range", "bytes=0-0");
        in.setHeader("Accept", "*/*");
        in.setBody(null);
    }

    /**
     * Reads one response: a redirect moves the probe on, the file's response ends it, and a 404 or
     * {@code NoSuchKey} means the upload has not finished yet.
     */
    public void read(Exchange exchange) throws Exception {
        Probe probe = probe(exchange);
        Message in = exchange.getIn();
        int status = in.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);

        if (status >= 300 && status < 400 && in.getHeader("Location") != null) {
            followRedirect(probe, in.getHeader("Location", String.class), status);
            return;
        }
        if (status == 200 || status == 206) {
            readFileAnswer(probe, in, status);
            return;
        }
        String body = errorBody(in);
        if (status == 404 || body.contains("<Code>NoSuchKey</Code>")) {
            throw new MediaNotReadyException("storage has no file yet at " + withoutQuery(probe.url) + " (HTTP "
                    + status + "); Chatwoot may still be uploading it");
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw new HttpOperationFailedException(probe.url, status, in.getHeader(Exchange.HTTP_RESPONSE_TEXT,
                    String.class), null, Map.of(), body);
        }
        throw new ReplyRejectedException("the attachment could not be fetched from " + withoutQuery(probe.url)
                + ": HTTP " + status);
    }

    private void followRedirect(Probe probe, String location, int status) throws ReplyRejectedException {
        if (probe.redirects >= maxRedirects) {
            throw new ReplyRejectedException("the attachment link redirects more than " + maxRedirects
                    + " times; last at " + withoutQuery(probe.url));
        }
        String next;
        try {
            next = URI.create(probe.url).resolve(location).toString();
        } catch (IllegalArgumentException e) {
            next = location;
        }
        LOG.debug("Attachment link {} redirects with {} to {}", withoutQuery(probe.url), status, withoutQuery(next));
        probe.url = next;
        probe.redirects++;
    }

    private static void readFileAnswer(Probe probe, Message in, int status) throws IOException {
        probe.contentType = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (status == 206) {
            Matcher total = CONTENT_RANGE_TOTAL.matcher(String.valueOf(in.getHeader("Content-Range")));
            probe.sizeBytes = total.find() ? Long.parseLong(total.group(1)) : null;
        } else {
            // The storage ignored the Range header and is sending the whole file: take its length, then drop
            // the connection instead of reading the rest.
            probe.sizeBytes = in.getHeader("Content-Length", Long.class);
            abort(in.getBody());
        }
        probe.done = true;
    }

    /** Drops the connection of an unread response, which camel-http would otherwise read to the end. */
    static void abort(Object body) throws IOException {
        if (body instanceof EofSensorInputStream stream) {
            stream.abort();
        } else if (body instanceof InputStream stream) {
            stream.close();
        }
    }

    private static String errorBody(Message in) throws IOException {
        Object body = in.getBody();
        if (!(body instanceof InputStream stream)) {
            return body == null ? "" : String.valueOf(in.getBody(String.class));
        }
        byte[] start = stream.readNBytes(MAX_ERROR_BODY_BYTES);
        abort(stream);
        return new String(start, StandardCharsets.UTF_8);
    }

    private static Probe probe(Exchange exchange) {
        return exchange.getProperty(ReplyHeaders.PROBE, Probe.class);
    }

    /** Returns a URL without its query, for logs: a presigned query is a credential. */
    static String withoutQuery(String url) {
        int question = url.indexOf('?');
        return question < 0 ? url : url.substring(0, question);
    }
}
