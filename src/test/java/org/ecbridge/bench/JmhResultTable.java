package org.ecbridge.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Prints JMH results of {@link Base64FieldDecoderBenchmark} (files written with {@code -rf json}) as a Markdown
 * table with the throughput in MB/s (10^6 bytes per second) of base64 input.
 *
 * <p>Usage: {@code JmhResultTable <result.json>...}
 */
public final class JmhResultTable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private record Row(String variant, int mediaMebibytes, String maxHeap, double millisPerOp, double errorMillis,
            double allocatedBytesPerOp) {

        long base64Bytes() {
            long mediaBytes = (long) mediaMebibytes << 20;
            return 4 * ((mediaBytes + 2) / 3);
        }

        double megabytesPerSecond() {
            return base64Bytes() / 1e6 / (millisPerOp / 1000);
        }
    }

    private JmhResultTable() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: JmhResultTable <jmh-result.json>...");
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        for (String file : args) {
            for (JsonNode result : MAPPER.readTree(Path.of(file).toFile())) {
                rows.add(toRow(result));
            }
        }
        rows.sort(Comparator.comparingInt(Row::mediaMebibytes).thenComparing(Row::variant));
        System.out.println("| variant | file (MiB) | base64 input (MB) | -Xmx of the fork "
                + "| time per op (ms, ±99.9% CI) | throughput (MB/s of base64) | heap allocated per op (MB) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            System.out.println(String.format(Locale.ROOT, "| %s | %d | %.1f | %s | %.1f ± %.1f | %.0f | %s |",
                    row.variant(), row.mediaMebibytes(), row.base64Bytes() / 1e6, row.maxHeap(), row.millisPerOp(),
                    row.errorMillis(), row.megabytesPerSecond(), formatMegabytes(row.allocatedBytesPerOp())));
        }
    }

    private static Row toRow(JsonNode result) {
        String benchmark = result.path("benchmark").asText();
        String variant = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        int mediaMebibytes = result.path("params").path("mediaMebibytes").asInt();
        JsonNode primary = result.path("primaryMetric");
        if (!primary.path("scoreUnit").asText().equals("ms/op")) {
            throw new IllegalArgumentException(benchmark + " reports " + primary.path("scoreUnit").asText()
                    + " instead of ms/op; run it in the benchmark's own mode (average time)");
        }
        double allocated = result.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(-1);
        return new Row(variant, mediaMebibytes, maxHeap(result.path("jvmArgs")), primary.path("score").asDouble(),
                primary.path("scoreError").asDouble(), allocated);
    }

    /** Returns the last -Xmx among the fork's JVM arguments, which is the one the JVM uses, or "default". */
    private static String maxHeap(JsonNode jvmArgs) {
        String maxHeap = "default";
        for (JsonNode argument : jvmArgs) {
            if (argument.asText().startsWith("-Xmx")) {
                maxHeap = argument.asText().substring("-Xmx".length());
            }
        }
        return maxHeap;
    }

    private static String formatMegabytes(double bytes) {
        if (bytes < 0) {
            return "not measured";
        }
        return String.format(Locale.ROOT, bytes < 1e6 ? "%.3f" : "%.0f", bytes / 1e6);
    }
}
