package org.ecbridge.processors.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.camel.Exchange;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.processors.media.TextCharset.Kind;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code text-charset} route that find a staged text file's charset: which files count as text, the
 * detection on a bounded prefix, and the check that a file whose prefix looked like UTF-8 is UTF-8 to its end.
 * The result is the exchange property {@link #CHARSET} with its kind's label in {@link #KIND}.
 */
public final class TextCharsetDetector {

    /** Exchange property: the {@link TextCharset} of the staged file. */
    public static final String CHARSET = "BridgeTextCharset";
    /** Exchange property: the {@link Kind#label()} of {@link #CHARSET}, which the route's choice compares. */
    public static final String KIND = "BridgeTextKind";

    private static final Logger LOG = LoggerFactory.getLogger(TextCharsetDetector.class);
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final Set<String> MARKUP_EXTENSIONS = Set.of("xml", "html", "htm", "xhtml", "svg");

    private final StagingArea staging;
    private final TextCharsetSniffer sniffer;
    private final int prefixBytes;
    private final List<String> textMimetypes;
    private final Set<String> textExtensions;

    /**
     * @param textMimetypes  mimetypes of text files; {@code text/*} matches every {@code text/} subtype
     * @param textExtensions extensions (lower case, without dot) of text files whatever their mimetype
     */
    public TextCharsetDetector(StagingArea staging, TextCharsetSniffer sniffer, int prefixBytes,
            List<String> textMimetypes, Set<String> textExtensions) {
        this.staging = staging;
        this.sniffer = sniffer;
        this.prefixBytes = prefixBytes;
        this.textMimetypes = textMimetypes.stream().map(type -> type.trim().toLowerCase(Locale.ROOT)).toList();
        this.textExtensions = Set.copyOf(textExtensions);
    }

    /** Returns whether the message has a staged file that is text by its mimetype or its extension. */
    public boolean isTextLike(Exchange exchange) {
        StagedMessage message = ChatwootRequests.message(exchange);
        if (message == null || message.media == null || message.media.file == null) {
            return false;
        }
        return isTextLike(message.media.mimetype, message.media.fileName);
    }

    boolean isTextLike(String mimetype, String fileName) {
        String type = baseType(mimetype);
        for (String textType : textMimetypes) {
            boolean wildcard = textType.endsWith("/*") && type.startsWith(textType.substring(0, textType.length() - 1));
            if (wildcard || type.equals(textType)) {
                return true;
            }
        }
        return fileName != null && textExtensions.contains(FileNames.extension(fileName));
    }

    /** Detects the charset of the staged file from its first bytes and sets {@link #CHARSET} and {@link #KIND}. */
    public void detect(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        Path file = staging.mediaFile(message.media.file);
        long sizeBytes = Files.size(file);
        byte[] prefix = MediaTypeDetector.readPrefix(file, prefixBytes);

        TextCharset detected = sniffer.detect(prefix, prefix.length == sizeBytes, isMarkup(message.media));

        LOG.info("Text file of message {} (item {}) is {} ({}): {}", message.messageId, message.itemId,
                detected.kind().label(), detected.mimeName(), detected.reason());
        setResult(exchange, detected);
    }

    /**
     * Reads the rest of a file whose prefix was ASCII or valid UTF-8 and checks that it is UTF-8 to its end, with
     * constant memory. When a file with an ASCII prefix has bytes that are not UTF-8 further on, the charset is
     * detected on a window starting at the first of them, and the file becomes {@link Kind#LEGACY}. A file whose
     * valid UTF-8 prefix is followed by invalid bytes mixes charsets and becomes {@link Kind#UNDETECTED}.
     *
     * <p>NOTE: with {@code bridge.media.text-verify-whole-file=false} this step does not run, so a file whose
     * prefix is pure ASCII but whose later bytes are windows-1252 is taken as UTF-8 and delivered untranscoded.
     */
    public void verifyBeyondPrefix(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        TextCharset detected = exchange.getProperty(CHARSET, TextCharset.class);
        Path file = staging.mediaFile(message.media.file);
        if (Files.size(file) <= prefixBytes) {
            return;
        }

        long invalidOffset = firstInvalidUtf8Offset(file, detected.bomBytes());
        if (invalidOffset < 0) {
            return;
        }

        TextCharset verified;
        if (detected.kind() == Kind.ASCII) {
            byte[] window = readWindow(file, invalidOffset, prefixBytes);
            TextCharset legacy = sniffer.detectLegacy(window, invalidOffset + window.length == Files.size(file));
            verified = legacy.kind() != Kind.LEGACY ? legacy : TextCharset.of(Kind.LEGACY, legacy.charset(), 0,
                    legacy.confidence(), "ASCII up to byte " + invalidOffset + ", then " + legacy.reason());
        } else {
            verified = TextCharset.without(Kind.UNDETECTED, "valid UTF-8 up to byte " + invalidOffset
                    + ", then bytes that are not UTF-8, so the file mixes charsets");
        }
        LOG.info("Text file of message {} (item {}) is {} ({}) after all: {}", message.messageId, message.itemId,
                verified.kind().label(), verified.mimeName(), verified.reason());
        setResult(exchange, verified);
    }

    /** Returns the offset of the first byte that is not valid UTF-8, or -1 when the whole file is valid UTF-8. */
    static long firstInvalidUtf8Offset(Path file, int skipBytes) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(BUFFER_BYTES);
        CharBuffer chars = CharBuffer.allocate(BUFFER_BYTES);
        long consumed = skipBytes;
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            channel.position(skipBytes);
            boolean endOfInput = false;
            while (!endOfInput) {
                endOfInput = channel.read(bytes) < 0;
                bytes.flip();
                int start = bytes.position();
                CoderResult result;
                do {
                    chars.clear();
                    result = decoder.decode(bytes, chars, endOfInput);
                } while (result.isOverflow());
                if (result.isError()) {
                    return consumed + bytes.position() - start;
                }
                consumed += bytes.position() - start;
                bytes.compact();
            }
        }
        return -1;
    }

    private static byte[] readWindow(Path file, long offset, int maxBytes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            return in.readNBytes(maxBytes);
        }
    }

    private static void setResult(Exchange exchange, TextCharset detected) {
        exchange.setProperty(CHARSET, detected);
        exchange.setProperty(KIND, detected.kind().label());
    }

    private static boolean isMarkup(StagedMessage.Media media) {
        String type = baseType(media.mimetype);
        return type.endsWith("/xml") || type.endsWith("+xml") || type.equals("text/html")
                || (media.fileName != null && MARKUP_EXTENSIONS.contains(FileNames.extension(media.fileName)));
    }

    private static String baseType(String mimetype) {
        return mimetype == null ? "" : mimetype.split(";")[0].trim().toLowerCase(Locale.ROOT);
    }
}
