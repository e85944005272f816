package org.ecbridge.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Times one webhook through a real bridge process: starts a {@link ChatwootSink} in this JVM and the bridge as a
 * child JVM, sends a small warm-up webhook, then POSTs the benchmark webhook with curl over loopback and reports
 * the wall time until the 200 response, until the sink has the whole file, and the bridge's peak RSS.
 *
 * <p>Usage: {@code BridgeProcessBenchmark <webhook.json> <warm-up-webhook.json> <work-dir>
 * <bridge-jvm-options> <bridge-classpath>}, where the JVM options are one argument separated by spaces, such as
 * {@code "-Xmx128m -XX:+UseSerialGC"}. {@code <webhook.json>.facts} (written by {@link WebhookFixture}) gives
 * the expected SHA-256. The result is printed as one line of {@code key=value} pairs.
 *
 * <p>The bridge gets {@code bridge.chatwoot.max-attachment-bytes} of 2 GiB, so that files of every size are
 * posted to the sink as attachments. With the default of 40 MiB, larger files go to the media store and only a
 * link is posted, a path this benchmark does not measure.
 */
public final class BridgeProcessBenchmark {

    private static final String API_TOKEN = "bench-chatwoot-token";
    private static final String WEBHOOK_TOKEN = "bench-webhook-token";
    private static final long STARTUP_TIMEOUT_MILLIS = 120_000;
    private static final long DELIVERY_TIMEOUT_MILLIS = 600_000;
    private static final long STOP_TIMEOUT_MILLIS = 30_000;

    private final Path webhookFile;
    private final Path warmupFile;
    private final Path workDir;
    private final List<String> bridgeJvmOptions;
    private final String bridgeClasspath;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private BridgeProcessBenchmark(Path webhookFile, Path warmupFile, Path workDir, List<String> bridgeJvmOptions,
            String bridgeClasspath) {
        this.webhookFile = webhookFile;
        this.warmupFile = warmupFile;
        this.workDir = workDir;
        this.bridgeJvmOptions = bridgeJvmOptions;
        this.bridgeClasspath = bridgeClasspath;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: BridgeProcessBenchmark <webhook.json> <warm-up-webhook.json> <work-dir> "
                    + "<bridge-jvm-options, such as \"-Xmx128m\"> <bridge-classpath>");
            System.exit(2);
        }
        BridgeProcessBenchmark benchmark = new BridgeProcessBenchmark(Path.of(args[0]), Path.of(args[1]),
                Path.of(args[2]), List.of(args[3].trim().split("\\s+")), args[4]);
        System.out.println(benchmark.run());
    }

    private String run() throws Exception {
        WebhookFixture.Facts facts = WebhookFixture.readFacts(WebhookFixture.factsFile(webhookFile));
        Path dataDir = Files.createDirectories(workDir.resolve("bridge-data"));
        int webhookPort = webhookPort();
        Path logFile = workDir.resolve("bridge-" + facts.mediaSizeBytes() + ".log");
        try (ChatwootSink sink = new ChatwootSink(API_TOKEN, workDir.resolve("sink"))) {
            Process bridge = startBridge(sink.baseUrl(), dataDir, webhookPort, logFile);
            try {
                return measure(sink, bridge, webhookPort, facts);
            } finally {
                stop(bridge);
                deleteTree(dataDir);
                deleteTree(workDir.resolve("sink"));
            }
        } catch (Exception e) {
            System.err.println("bridge benchmark failed; the bridge's log is " + logFile);
            throw e;
        }
    }

    private String measure(ChatwootSink sink, Process bridge, int webhookPort, WebhookFixture.Facts facts)
            throws Exception {
        URI webhookUri = URI.create("http://127.0.0.1:" + webhookPort + "/webhook/evolution");
        warmUp(sink, bridge, webhookUri);
        long hwmBeforeKibibytes = ProcStatus.vmHwmKibibytes(bridge.pid());

        long startNanos = System.nanoTime();
        CurlResult curl = postWithCurl(webhookUri, facts.file());
        long respondedNanos = System.nanoTime();
        if (curl.status() != 200) {
            throw new IllegalStateException("the bridge responded to the benchmark webhook with " + curl.status()
                    + " instead of 200: " + curl.body());
        }
        ChatwootSink.ReceivedFile received = sink.awaitFile(DELIVERY_TIMEOUT_MILLIS);
        if (received == null) {
            throw new IllegalStateException("the sink received no file within " + DELIVERY_TIMEOUT_MILLIS + " ms");
        }
        long hwmKibibytes = ProcStatus.vmHwmKibibytes(bridge.pid());
        long rssAnonKibibytes = ProcStatus.rssAnonKibibytes(bridge.pid());
        long rssFileKibibytes = ProcStatus.rssFileKibibytes(bridge.pid());
        Files.deleteIfExists(received.file());
        writeNativeMemoryReport(bridge.pid());

        boolean shaMatches = received.sha256Hex().equals(facts.mediaSha256Hex());
        return String.join(" ", List.of(
                "mediaSizeBytes=" + facts.mediaSizeBytes(),
                "base64LengthBytes=" + facts.base64LengthBytes(),
                "httpStatus=" + curl.status(),
                "respondedMillis=" + (respondedNanos - startNanos) / 1_000_000,
                "curlTimeTotalMillis=" + curl.timeTotalMillis(),
                "deliveredMillis=" + (received.receivedAtNanos() - startNanos) / 1_000_000,
                "receivedBytes=" + received.sizeBytes(),
                "sha256Matches=" + shaMatches,
                "bridgeVmHwmKiBAfterWarmup=" + hwmBeforeKibibytes,
                "bridgeVmHwmKiB=" + hwmKibibytes,
                "bridgeRssAnonKiBAfterDelivery=" + rssAnonKibibytes,
                "bridgeRssFileKiBAfterDelivery=" + rssFileKibibytes));
    }

    private Process startBridge(String chatwootUrl, Path dataDir, int webhookPort, Path logFile)
            throws IOException {
        // Both HTTP servers listen on loopback only. camel.management.port is a system property because Camel
        // Main 4.17 does not read CAMEL_MANAGEMENT_PORT from the environment.
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(bridgeJvmOptions);
        command.addAll(List.of("-Dcamel.server.host=127.0.0.1", "-Dcamel.management.host=127.0.0.1",
                "-Dcamel.management.port=" + freePort()));
        if (nativeMemoryReport() != null) {
            command.add("-XX:NativeMemoryTracking=summary");
        }
        command.addAll(List.of("-cp", bridgeClasspath, "org.ecbridge.BridgeApplication"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        Map<String, String> environment = builder.environment();
        environment.put("BRIDGE_CHATWOOT_URL", chatwootUrl);
        environment.put("BRIDGE_CHATWOOT_API_TOKEN", API_TOKEN);
        environment.put("BRIDGE_CHATWOOT_ACCOUNT_ID", "1");
        environment.put("BRIDGE_CHATWOOT_INBOX_ID", "1");
        environment.put("BRIDGE_WEBHOOK_TOKEN", WEBHOOK_TOKEN);
        environment.put("BRIDGE_DATA_DIR", dataDir.toString());
        environment.put("BRIDGE_WEBHOOK_PORT", Integer.toString(webhookPort));
        // The 1 GiB case's body is about 1.34 GiB, over the default limit of 512 MiB.
        environment.put("BRIDGE_WEBHOOK_MAX_BODY_BYTES", Long.toString(2L << 30));
        environment.put("BRIDGE_MEDIA_MAX_FILE_BYTES", Long.toString(2L << 30));
        environment.put("BRIDGE_CHATWOOT_MAX_ATTACHMENT_BYTES", Long.toString(2L << 30));
        return builder.start();
    }

    /**
     * Sends the small warm-up webhook until the bridge accepts it and waits for its delivery, so that the timed
     * webhook finds the routes started and the chat's contact and conversation cached.
     */
    private void warmUp(ChatwootSink sink, Process bridge, URI webhookUri) throws Exception {
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STARTUP_TIMEOUT_MILLIS);
        HttpRequest request = HttpRequest.newBuilder(webhookUri).header("X-Bridge-Token", WEBHOOK_TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofFile(warmupFile))
                .build();
        while (true) {
            if (!bridge.isAlive()) {
                throw new IllegalStateException("the bridge exited with status " + bridge.exitValue()
                        + " during start-up");
            }
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    break;
                }
                // The HTTP server returns 404 until the webhook route has started.
                if (response.statusCode() == 404 && System.nanoTime() < deadlineNanos) {
                    Thread.sleep(200);
                    continue;
                }
                throw new IllegalStateException("the bridge responded to the warm-up webhook with "
                        + response.statusCode() + ": " + response.body());
            } catch (IOException notListeningYet) {
                if (System.nanoTime() > deadlineNanos) {
                    throw new IllegalStateException("the bridge did not accept a webhook within "
                            + STARTUP_TIMEOUT_MILLIS + " ms", notListeningYet);
                }
                Thread.sleep(200);
            }
        }
        ChatwootSink.ReceivedFile warmup = sink.awaitFile(STARTUP_TIMEOUT_MILLIS);
        if (warmup == null) {
            throw new IllegalStateException("the warm-up file did not reach the sink within "
                    + STARTUP_TIMEOUT_MILLIS + " ms");
        }
        Files.deleteIfExists(warmup.file());
    }

    /** The outcome of one curl upload. */
    private record CurlResult(int status, long timeTotalMillis, String body) {
    }

    /**
     * POSTs the file with {@code curl -T}, which streams it, where {@code --data-binary @file} reads it into
     * memory first (curl 7.88.1: 113 MB RSS for 100 MiB). The empty {@code Expect:} header stops curl from
     * waiting for a 100 Continue.
     */
    private CurlResult postWithCurl(URI webhookUri, Path file) throws IOException, InterruptedException {
        Path responseFile = workDir.resolve("curl-response.txt");
        Process curl = new ProcessBuilder("curl", "-sS", "-X", "POST", "-T", file.toString(),
                "-H", "Content-Type: application/json", "-H", "X-Bridge-Token: " + WEBHOOK_TOKEN, "-H", "Expect:",
                "-o", responseFile.toString(), "-w", "%{http_code} %{time_total}", webhookUri.toString())
                .redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        int exitCode = curl.waitFor();
        String body = Files.exists(responseFile) ? Files.readString(responseFile, StandardCharsets.UTF_8) : "";
        Files.deleteIfExists(responseFile);
        String[] fields = output.split("\\s+");
        if (exitCode != 0 || fields.length < 2) {
            throw new IOException("curl failed with exit code " + exitCode + ": " + output);
        }
        return new CurlResult(Integer.parseInt(fields[fields.length - 2]),
                Math.round(Double.parseDouble(fields[fields.length - 1]) * 1000), body);
    }

    /** Returns the file named by BENCH_NMT_REPORT, or null when no native memory report is wanted. */
    private static Path nativeMemoryReport() {
        String file = System.getenv().getOrDefault("BENCH_NMT_REPORT", "").trim();
        return file.isEmpty() ? null : Path.of(file);
    }

    /** Writes {@code jcmd <pid> VM.native_memory summary} to BENCH_NMT_REPORT, when it is set. */
    private static void writeNativeMemoryReport(long pid) throws IOException, InterruptedException {
        Path report = nativeMemoryReport();
        if (report == null) {
            return;
        }
        Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "VM.native_memory", "summary")
                .redirectErrorStream(true).redirectOutput(report.toFile()).start();
        if (jcmd.waitFor() != 0) {
            System.err.println("jcmd exited with " + jcmd.exitValue() + "; see " + report);
        }
    }

    private static void stop(Process bridge) throws InterruptedException {
        bridge.destroy();
        if (!bridge.waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
            System.err.println("the bridge did not stop within " + STOP_TIMEOUT_MILLIS + " ms of SIGTERM; killing "
                    + "process " + bridge.pid());
            bridge.destroyForcibly().waitFor();
        }
    }

    /** Returns the webhook port: BENCH_WEBHOOK_PORT when set and free on 127.0.0.1, otherwise a free port. */
    private static int webhookPort() throws IOException {
        String configured = System.getenv().getOrDefault("BENCH_WEBHOOK_PORT", "").trim();
        if (configured.isEmpty()) {
            return freePort();
        }
        int port = Integer.parseInt(configured);
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new IOException("BENCH_WEBHOOK_PORT " + port + " is in use on 127.0.0.1; free it or unset the "
                    + "variable to use a free port", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
