package org.ecbridge.processors.reply;

/**
 * The delivery plan of one attachment.
 *
 * @param sentAs       {@code image}, {@code video}, {@code audio}, {@code document} (EvolutionAPI's sendMedia
 *                     {@code mediatype}), {@code voice} (sendWhatsAppAudio) or {@code link} (a text with the
 *                     download link, for files over {@code bridge.reply.max-document-bytes})
 * @param mimetype     the file's real type
 * @param fileName     the name sent, ending in an extension of {@code mimetype}
 * @param sizeBytes    the file's length, or -1 when the storage did not tell
 * @param sourceUrl    where the storage serves the file now, after Chatwoot's redirects
 * @param copyRequired true when {@code sourceUrl} expires too soon, so the file is handed over by the bridge's
 *                     own link instead
 */
public record AttachmentPlan(String sentAs, String mimetype, String fileName, long sizeBytes, String sourceUrl,
        boolean copyRequired) {

    public boolean carriesCaption() {
        return sentAs.equals("image") || sentAs.equals("video") || sentAs.equals("document")
                || sentAs.equals("link");
    }
}
