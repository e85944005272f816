package org.ecbridge.processors.reply;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.StreamCache;
import org.ecbridge.processors.webhook.WebhookRejectedException;

/**
 * Checks the {@code X-Chatwoot-Signature} of a spooled webhook body: HMAC-SHA256, keyed with the webhook secret,
 * over {@code "<X-Chatwoot-Timestamp>.<raw body>"}, read as a stream and compared in constant time. Does nothing
 * when {@link ChatwootWebhookAuthenticator} found no signature to check, which happens only without a secret.
 */
public final class ChatwootSignatureVerifier implements Processor {

    private static final int READ_BUFFER_BYTES = 8192;

    private final byte[] secret;

    /** @param secret the webhook secret, or null when webhooks are authenticated by token */
    public ChatwootSignatureVerifier(String secret) {
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String expectedHex = exchange.getProperty(ReplyHeaders.SIGNATURE, String.class);
        if (secret == null) {
            return;
        }
        if (expectedHex == null) {
            throw new IllegalStateException("the Chatwoot webhook authenticator must run before the signature check");
        }
        String timestamp = exchange.getProperty(ReplyHeaders.SIGNATURE_TIMESTAMP, String.class);

        Mac mac = newMac();
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        // The body is the spooled stream cache, which is reset afterwards instead of closed, so the reader can
        // parse it again.
        InputStream body = exchange.getIn().getMandatoryBody(InputStream.class);
        byte[] buffer = new byte[READ_BUFFER_BYTES];
        int read;
        while ((read = body.read(buffer)) >= 0) {
            mac.update(buffer, 0, read);
        }
        if (body instanceof StreamCache cache) {
            cache.reset();
        }

        if (!MessageDigest.isEqual(mac.doFinal(), HexFormat.of().parseHex(expectedHex))) {
            throw WebhookRejectedException.unauthorized("webhook signature does not match the body; compare "
                    + "bridge.chatwoot.webhook-secret with the secret shown in Chatwoot's webhook settings");
        }
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("This JVM cannot compute HMAC-SHA256", e);
        }
    }
}
