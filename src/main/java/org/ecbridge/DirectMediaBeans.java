package org.ecbridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.spi.Registry;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.processors.chatwoot.ChatwootDirectUploads;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.media.MediaStager;
import org.ecbridge.processors.media.WhatsAppMediaDecryptor;
import org.ecbridge.staging.StagingArea;

/**
 * Binds the beans of the paths that take EvolutionAPI and Chatwoot out of the byte stream: the WhatsApp CDN media
 * source and Chatwoot's direct uploads.
 */
final class DirectMediaBeans {

    private DirectMediaBeans() {
    }

    static void bind(BridgeSettings settings, Registry registry, ObjectMapper mapper, StagingArea staging) {
        MediaStager stager = registry.lookupByNameAndType("mediaStager", MediaStager.class);
        long maxFileBytes = settings.longValue("bridge.media.max-file-bytes", 2L << 30);
        registry.bind("whatsappMediaDecryptor", new WhatsAppMediaDecryptor(staging, stager,
                settings.string("bridge.media.whatsapp-cdn-url", "https://mmg.whatsapp.net"), maxFileBytes));
        ChatwootRequests requests = new ChatwootRequests(mapper, settings.chatwootApiToken(),
                settings.chatwootAccountId());
        registry.bind("chatwootDirectUploads", new ChatwootDirectUploads(requests, staging,
                Boolean.parseBoolean(settings.string("bridge.chatwoot.direct-uploads", "false")),
                settings.longValue("bridge.chatwoot.direct-upload-threshold-bytes", 8L << 20)));
    }
}
