package org.ecbridge.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.ecbridge.processors.webhook.EvolutionWebhookParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decodes the file out of a webhook JSON file on disk into another file, two ways: with the bridge's
 * {@link EvolutionWebhookParser}, which streams {@code data.message.base64} through a fixed buffer, and with
 * {@link InMemoryWebhookDecoder}, which keeps the body, its tree and the decoded bytes in the heap.
 *
 * <p>Run it with {@code bench/jmh.sh}, which picks the heap of each fork. The webhook files are generated into
 * the folder of the system property {@code bench.workDir} (default {@code target/bench-work/jmh}) and reused by
 * later forks; the script deletes them at the end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(1)
public class Base64FieldDecoderBenchmark {

    private static final long MAX_METADATA_BYTES = 1L << 20;
    private static final long MAX_MEDIA_BYTES = 2L << 30;

    /** Size of the random file inside the webhook, in MiB. */
    @Param({"10"})
    public int mediaMebibytes;

    private WebhookFixture.Facts facts;
    private Path mediaFile;
    private EvolutionWebhookParser parser;
    private EvolutionWebhookParser.MediaPolicy policy;
    private boolean outputVerified;

    @Setup(Level.Trial)
    public void writeWebhook() throws IOException {
        Path workDir = Files.createDirectories(Path.of(System.getProperty("bench.workDir", "target/bench-work/jmh")));
        facts = WebhookFixture.writeOrReuse(workDir.resolve("webhook-" + mediaMebibytes + "MiB.json"),
                (long) mediaMebibytes << 20);
        mediaFile = workDir.resolve("decoded-" + ProcessHandle.current().pid() + ".bin");
        parser = new EvolutionWebhookParser(MAX_METADATA_BYTES, MAX_MEDIA_BYTES);
        policy = new FixedFilePolicy(mediaFile);
    }

    /** Decodes the bridge's way: Jackson's streaming parser writes the base64 value in chunks into the file. */
    @Benchmark
    public String streamingParser() throws IOException {
        try (InputStream body = Files.newInputStream(facts.file())) {
            EvolutionWebhookParser.ParsedWebhook parsed = parser.parse(body, policy);
            return parsed.inlineMedia().sha256Hex();
        }
    }

    /** Decodes the in-memory way: String, Jackson tree, {@code Base64.getDecoder().decode}, then one write. */
    @Benchmark
    public long inMemoryTree() throws IOException {
        return InMemoryWebhookDecoder.decodeToFile(facts.file(), mediaFile);
    }

    /** Checks the first decoded file against the generated file's SHA-256, then deletes the output. */
    @TearDown(Level.Invocation)
    public void checkAndDeleteOutput() throws IOException {
        if (!outputVerified) {
            String sha256Hex = WebhookFixture.sha256Hex(mediaFile);
            if (!sha256Hex.equals(facts.mediaSha256Hex())) {
                throw new IllegalStateException("decoded file has SHA-256 " + sha256Hex + " but the webhook's file "
                        + "has " + facts.mediaSha256Hex());
            }
            outputVerified = true;
        }
        Files.deleteIfExists(mediaFile);
    }

    /** Decodes every webhook's media into one file, as a handled, first-seen message. */
    private record FixedFilePolicy(Path file) implements EvolutionWebhookParser.MediaPolicy {
        @Override
        public Path newMediaFile() {
            return file;
        }

        @Override
        public boolean decodeInline() {
            return true;
        }

        @Override
        public boolean isHandledEvent(String event) {
            return true;
        }

        @Override
        public boolean isDuplicate(String instance, String messageId) {
            return false;
        }
    }
}
