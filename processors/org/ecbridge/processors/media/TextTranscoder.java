package org.ecbridge.processors.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.ecbridge.processors.chatwoot.ChatwootRequests;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps of the {@code text-charset} route that transcode a staged text file into UTF-8 without a byte order mark.
 *
 * <p>{@link #transcode} streams the file through a {@link CharsetDecoder} and a UTF-8 {@link CharsetEncoder} over
 * fixed buffers, so memory stays constant whatever the file's size, into a temporary file whose size and SHA-256
 * it records in the message. The route then saves the record and calls {@link #replaceStaged}, which moves the new
 * file over the staged one atomically. A crash between the two leaves the old bytes under a record that describes
 * the new ones, and the next attempt transcodes them again to the same result.
 *
 * <p>Malformed or unmappable input is reported: the file is delivered unchanged, its mimetype names the detected
 * charset, and a warning gives the byte offset. With {@code replace} such input becomes U+FFFD instead.
 */
public final class TextTranscoder {

    /** Exchange property: the transcoded temporary file waiting to replace the staged one. */
    public static final String TRANSCODED_FILE = "BridgeTranscodedFile";

    private static final Logger LOG = LoggerFactory.getLogger(TextTranscoder.class);
    private static final int BUFFER_CHARS = 64 * 1024;

    private final StagingArea staging;
    private final CodingErrorAction onMalformedInput;
    private final long maxFileBytes;

    /** The size and SHA-256 of a transcoded file. */
    public record Transcoded(long sizeBytes, String sha256Hex) {
    }

    public TextTranscoder(StagingArea staging, CodingErrorAction onMalformedInput, long maxFileBytes) {
        this.staging = staging;
        this.onMalformedInput = onMalformedInput;
        this.maxFileBytes = maxFileBytes;
    }

    /** Transcodes the staged file detected as {@link TextCharsetDetector#CHARSET} into a temporary UTF-8 file. */
    public void transcode(Exchange exchange) throws IOException {
        StagedMessage message = ChatwootRequests.message(exchange);
        TextCharset detected = exchange.getProperty(TextCharsetDetector.CHARSET, TextCharset.class);
        Path source = staging.mediaFile(message.media.file);
        Path target = staging.newTemporaryFile(".utf8");
        deleteWhenDone(exchange, target);

        Transcoded transcoded;
        try {
            transcoded = transcode(source, detected.charset(), detected.bomBytes(), target, onMalformedInput,
                    maxFileBytes);
        } catch (MalformedTextException | MediaTooLargeException e) {
            Files.deleteIfExists(target);
            message.media.mimetype = TextCharsetLabeler.withCharset(message.media.mimetype, detected.mimeName());
            LOG.warn("Text file of message {} (item {}) is delivered unchanged as {}: {}. Set "
                    + "bridge.media.text-malformed-input=replace to transcode it with U+FFFD in place of such input",
                    message.messageId, message.itemId, detected.mimeName(), e.getMessage());
            return;
        }

        LOG.info("Transcoded text file of message {} (item {}) from {} to UTF-8: {} bytes became {}",
                message.messageId, message.itemId, detected.mimeName(), Files.size(source), transcoded.sizeBytes());
        message.media.mimetype = TextCharsetLabeler.withCharset(message.media.mimetype, "utf-8");
        message.media.sizeBytes = transcoded.sizeBytes();
        message.media.sha256Hex = transcoded.sha256Hex();
        exchange.setProperty(TRANSCODED_FILE, target);
    }

    /** Moves the transcoded file over the staged one, after the route saved the record that describes it. */
    public void replaceStaged(Exchange exchange) throws IOException {
        Path transcoded = exchange.getProperty(TRANSCODED_FILE, Path.class);
        if (transcoded == null) {
            return;
        }
        StagedMessage message = ChatwootRequests.message(exchange);
        Files.move(transcoded, staging.mediaFile(message.media.file), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        exchange.removeProperty(TRANSCODED_FILE);
    }

    /**
     * Streams {@code source}, after its first {@code skipBytes} (a byte order mark), from {@code charset} into
     * {@code target} as UTF-8 without a byte order mark.
     *
     * @throws MalformedTextException  when {@code onMalformedInput} is REPORT and the input has malformed or
     *                                 unmappable bytes
     * @throws MediaTooLargeException when the UTF-8 output grows over {@code maxBytes}
     */
    public static Transcoded transcode(Path source, Charset charset, int skipBytes, Path target,
            CodingErrorAction onMalformedInput, long maxBytes) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(source);
                DigestingFileOutputStream sink = new DigestingFileOutputStream(target, maxBytes)) {
            channel.position(skipBytes);
            Pipeline pipeline = new Pipeline(charset, onMalformedInput, sink, skipBytes);
            boolean endOfInput = false;
            while (!endOfInput) {
                endOfInput = pipeline.readFrom(channel);
                pipeline.decode(endOfInput);
            }
            pipeline.finish();
            sink.close();
            return new Transcoded(sink.writtenBytes(), sink.sha256Hex());
        }
    }

    /** A decoder and a UTF-8 encoder joined by fixed buffers, writing into a sink. */
    private static final class Pipeline {

        private final Charset charset;
        private final CharsetDecoder decoder;
        private final CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final ByteBuffer in = ByteBuffer.allocate(BUFFER_CHARS);
        private final CharBuffer chars = CharBuffer.allocate(BUFFER_CHARS);
        private final ByteBuffer out = ByteBuffer.allocate(BUFFER_CHARS * 3);
        private final DigestingFileOutputStream sink;
        /** Offset in the source file of the first byte in {@link #in}. */
        private long consumedBytes;

        Pipeline(Charset charset, CodingErrorAction onMalformedInput, DigestingFileOutputStream sink,
                long startOffset) {
            this.charset = charset;
            this.decoder = charset.newDecoder()
                    .onMalformedInput(onMalformedInput)
                    .onUnmappableCharacter(onMalformedInput);
            this.sink = sink;
            this.consumedBytes = startOffset;
        }

        /** Fills the input buffer; returns true at the end of the source. */
        boolean readFrom(SeekableByteChannel channel) throws IOException {
            return channel.read(in) < 0;
        }

        /** Decodes the input buffer, encoding every full char buffer on the way. */
        void decode(boolean endOfInput) throws IOException {
            in.flip();
            int start = in.position();
            while (true) {
                CoderResult result = decoder.decode(in, chars, endOfInput);
                if (result.isError()) {
                    throw new MalformedTextException(charset, consumedBytes + in.position() - start,
                            result.length(), result.isMalformed());
                }
                encode(false);
                if (result.isUnderflow()) {
                    break;
                }
            }
            consumedBytes += in.position() - start;
            in.compact();
        }

        void finish() throws IOException {
            while (decoder.flush(chars).isOverflow()) {
                encode(false);
            }
            encode(true);
            while (encoder.flush(out).isOverflow()) {
                write();
            }
            write();
        }

        /** Encodes the decoded chars and writes them; a high surrogate at the end waits for its pair. */
        private void encode(boolean endOfInput) throws IOException {
            chars.flip();
            while (true) {
                CoderResult result = encoder.encode(chars, out, endOfInput);
                if (result.isError()) {
                    throw new IllegalStateException("UTF-8 cannot encode text decoded from " + charset + ": "
                            + result);
                }
                write();
                if (result.isUnderflow()) {
                    break;
                }
            }
            chars.compact();
        }

        private void write() throws IOException {
            out.flip();
            sink.write(out.array(), out.arrayOffset() + out.position(), out.remaining());
            out.clear();
        }
    }

    private static void deleteWhenDone(Exchange exchange, Path temporary) {
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange completed) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    LOG.warn("Cannot delete the temporary transcoded file {}; it is removed on the next start",
                            temporary, e);
                }
            }
        });
    }
}
