package org.ecbridge;

import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.apache.camel.spi.Registry;
import org.ecbridge.config.BridgeSettings;
import org.ecbridge.processors.media.MediaTypeDetector;
import org.ecbridge.processors.media.TextCharsetDetector;
import org.ecbridge.processors.media.TextCharsetLabeler;
import org.ecbridge.processors.media.TextCharsetSniffer;
import org.ecbridge.processors.media.TextTranscoder;
import org.ecbridge.staging.StagingArea;

/**
 * Creates and binds the beans of {@code routes/media-content.camel.yaml}: media type detection, charset
 * detection of text files and their transcoding, from the {@code ## Text files} settings.
 */
final class MediaContentBeans {

    private static final Set<String> LEGACY_TEXT_MODES = Set.of("transcode", "label", "pass");

    private MediaContentBeans() {
    }

    static void bind(BridgeSettings settings, Registry registry, StagingArea staging) {
        requireLegacyTextMode(settings.string("bridge.media.legacy-text", "transcode"));
        int prefixBytes = (int) settings.longValue("bridge.media.detect-prefix-bytes", 64 * 1024);

        registry.bind("mediaTypeDetector", new MediaTypeDetector(staging, prefixBytes));
        TextCharsetSniffer sniffer = new TextCharsetSniffer(
                (int) settings.longValue("bridge.media.text-min-confidence", 20),
                charsets(settings, "bridge.media.text-preferred-charsets", "windows-1252"),
                (int) settings.longValue("bridge.media.text-preference-margin", 10),
                (int) settings.longValue("bridge.media.text-max-control-per-mille", 10),
                fallbackCharset(settings).orElse(null));
        registry.bind("textCharsetDetector", new TextCharsetDetector(staging, sniffer, prefixBytes,
                settings.list("bridge.media.text-mimetypes", "text/*"),
                new HashSet<>(settings.list("bridge.media.text-extensions", "txt,csv"))));
        registry.bind("textTranscoder", new TextTranscoder(staging, malformedInputAction(settings),
                settings.longValue("bridge.media.max-file-bytes", 2L << 30)));
        registry.bind("textCharsetLabeler", new TextCharsetLabeler());
    }

    private static void requireLegacyTextMode(String mode) {
        if (!LEGACY_TEXT_MODES.contains(mode)) {
            throw new IllegalStateException("bridge.media.legacy-text must be transcode, label or pass, but is '"
                    + mode + "'");
        }
    }

    private static CodingErrorAction malformedInputAction(BridgeSettings settings) {
        String action = settings.string("bridge.media.text-malformed-input", "report").toLowerCase(Locale.ROOT);
        return switch (action) {
            case "report" -> CodingErrorAction.REPORT;
            case "replace" -> CodingErrorAction.REPLACE;
            default -> throw new IllegalStateException("bridge.media.text-malformed-input must be report or "
                    + "replace, but is '" + action + "'");
        };
    }

    private static Optional<Charset> fallbackCharset(BridgeSettings settings) {
        return settings.optional("bridge.media.text-fallback-charset")
                .map(name -> charset("bridge.media.text-fallback-charset", name));
    }

    private static List<Charset> charsets(BridgeSettings settings, String key, String defaultValue) {
        return settings.list(key, defaultValue).stream().map(name -> charset(key, name)).toList();
    }

    private static Charset charset(String key, String name) {
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new IllegalStateException(key + " names the charset '" + name + "', which this JVM does not "
                    + "support; use a name such as windows-1252 or ISO-8859-15", e);
        }
    }
}
