package org.ecbridge.bench;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.ecbridge.testsupport.BridgeProcess;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.GeneratedWebhook;
import org.ecbridge.testsupport.TestRedis;

/**
 * Load on a real bridge process over loopback, with or without Redis, printing one {@code key=value} line.
 *
 * <ul>
 * <li>{@code large}: 8 webhooks, each carrying a 200 MiB file as base64, posted at once into a bridge with
 * {@code -Xmx128m}; measures the time to each 200 answer and until Chatwoot has every file.</li>
 * <li>{@code small}: text webhooks at a fixed rate (500 per second) for a fixed time (60 s) to 500 chats, with
 * at most 256 requests in flight, so the load generator itself is bounded; measures the answer latency and
 * how many messages Chatwoot has 20 s after the last webhook.</li>
 * </ul>
 * The bridge's peak RSS is VmHWM; peak disk is the most its data and spool folders held at any 100 ms sample.
 * Usage: {@code LoadBenchmark <large|small> <redis|local> <work-dir>}.
 */
public final class LoadBenchmark {

    private static final String CHATWOOT_TOKEN = "bench-chatwoot-token";
    private static final int LARGE_WEBHOOKS = 8;
    private static final long LARGE_FILE_BYTES = 200L << 20;
    private static final int SMALL_RATE_PER_SECOND = 500;
    private static final int SMALL_SECONDS = 60;
    private static final int SMALL_CHATS = 500;
    private static final int MAX_IN_FLIGHT = 256;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SMALL_DRAIN_WINDOW = Duration.ofSeconds(20);

    private LoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !List.of("large", "small").contains(args[0])
                || !List.of("redis", "local").contains(args[1])) {
            System.err.println("usage: LoadBenchmark <large|small> <redis|local> <work-dir>");
            System.exit(2);
        }
        Path work = Files.createDirectories(Path.of(args[2]).toAbsolutePath());
        boolean large = args[0].equals("large");
        try (TestRedis redis = args[1].equals("redis") ? new TestRedis() : null;
                ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(work.resolve("chatwoot")),
                        CHATWOOT_TOKEN).addInbox(7, "WhatsApp").start()) {
            Map<String, String> properties = EmbeddedBridge.defaults(work.resolve("data"), chatwoot.baseUrl(),
                    CHATWOOT_TOKEN);
            properties.put("bridge.delivery.poll-delay-millis", "250");
            properties.put("bridge.webhook.max-concurrent-large-bodies", Integer.toString(LARGE_WEBHOOKS));
            if (redis != null) {
                properties.putAll(redis.bridgeProperties(Duration.ofSeconds(30)));
            }
            List<String> jvm = List.of(large ? "-Xmx128m" : "-Xmx256m", "-XX:+ExitOnOutOfMemoryError");
            BridgeProcess bridge = BridgeProcess.start(jvm, properties, Duration.ofSeconds(120));
            DiskSampler disk = new DiskSampler(work.resolve("data"));
            try {
                String result = large ? runLarge(bridge, chatwoot) : runSmall(bridge, chatwoot);
                System.out.println("scenario=" + args[0] + " state=" + args[1] + " " + result + " peakRssMiB="
                        + bridge.peakResidentBytes() / (1 << 20) + " peakDiskMiB=" + disk.peakBytes() / (1 << 20));
            } finally {
                disk.close();
                bridge.close();
            }
        }
    }

    private static String runLarge(BridgeProcess bridge, ChatwootStandIn chatwoot) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<Long>> answers = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < LARGE_WEBHOOKS; i++) {
            GeneratedWebhook webhook = new GeneratedWebhook("BENCHLARGE" + i, "5511900000" + (100 + i),
                    "video-" + i + ".mp4", "video/mp4", LARGE_FILE_BYTES, i);
            answers.add(CompletableFuture.supplyAsync(() -> timedPost(http, bridge.webhookUrl(), webhook::body,
                    webhook.bodyBytes(), Duration.ofMinutes(10))));
        }
        List<Long> latencies = new ArrayList<>();
        for (CompletableFuture<Long> answer : answers) {
            latencies.add(answer.get());
        }
        chatwoot.awaitMessages(LARGE_WEBHOOKS, DRAIN_TIMEOUT);
        double seconds = (System.nanoTime() - start) / 1e9;
        long failed = latencies.stream().filter(latency -> latency < 0).count();
        double fileMiB = LARGE_WEBHOOKS * (LARGE_FILE_BYTES >> 20);
        return String.format(Locale.ROOT, "webhooks=%d failed=%d allDeliveredSeconds=%.1f throughputMiBps=%.1f "
                + "answerP50Ms=%d answerMaxMs=%d", LARGE_WEBHOOKS, failed, seconds, fileMiB / seconds,
                percentile(latencies, 50), percentile(latencies, 100));
    }

    private static String runSmall(BridgeProcess bridge, ChatwootStandIn chatwoot) throws Exception {
        // Its threads are not daemons, so until they are shut down this JVM does not exit.
        ExecutorService httpThreads = Executors.newFixedThreadPool(8);
        // HTTP/1.1 as EvolutionAPI sends it. The JDK client's default, HTTP/2 over an upgraded connection, fails
        // requests past the server's 100 concurrent streams with "too many concurrent streams".
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(httpThreads).build();
        int total = SMALL_RATE_PER_SECOND * SMALL_SECONDS;
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong();
        Map<String, Long> failures = new ConcurrentHashMap<>();
        AtomicLong skipped = new AtomicLong();
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime();
        long periodNanos = 1_000_000_000L / SMALL_RATE_PER_SECOND;
        ticks.scheduleAtFixedRate(() -> {
            long number = sent.getAndIncrement();
            if (number >= total) {
                return;
            }
            if (!inFlight.tryAcquire()) {
                skipped.incrementAndGet();
                return;
            }
            byte[] body = textWebhook(number).getBytes(StandardCharsets.UTF_8);
            long begin = System.nanoTime();
            http.sendAsync(request(bridge.webhookUrl(), () -> new ByteArrayInputStream(body), body.length,
                    Duration.ofSeconds(30)), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, error) -> {
                        inFlight.release();
                        if (error != null || response.statusCode() != 200) {
                            failed.incrementAndGet();
                            failures.merge(error != null ? describe(rootCause(error))
                                    : "HTTP " + response.statusCode(), 1L, Long::sum);
                        } else {
                            latencies.add((System.nanoTime() - begin) / 1_000_000);
                        }
                    });
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        while (sent.get() < total) {
            Thread.sleep(100);
        }
        ticks.shutdown();
        inFlight.acquire(MAX_IN_FLIGHT);
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        int accepted = latencies.size();
        // Delivery is slower than intake, so the staged backlog is not waited for; the rate is measured.
        Thread.sleep(SMALL_DRAIN_WINDOW.toMillis());
        double allSeconds = (System.nanoTime() - start) / 1e9;
        int delivered = chatwoot.messages().size();
        httpThreads.shutdown();
        System.err.println("small webhooks that failed, by cause: " + new TreeMap<>(failures));
        List<Long> sorted = new ArrayList<>(latencies);
        return String.format(Locale.ROOT, "offered=%d accepted=%d failed=%d skippedAtInFlightLimit=%d "
                + "acceptedPerSecond=%.0f deliveredAfterSeconds=%.0f delivered=%d deliveredPerSecond=%.0f "
                + "answerP50Ms=%d answerP99Ms=%d answerMaxMs=%d", total, accepted, failed.get(), skipped.get(),
                accepted / sendSeconds, allSeconds, delivered, delivered / allSeconds, percentile(sorted, 50),
                percentile(sorted, 99), percentile(sorted, 100));
    }

    private static String describe(Throwable error) {
        return error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
    }

    private static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static long timedPost(HttpClient http, String url, Supplier<InputStream> body, long length,
            Duration timeout) {
        long begin = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request(url, body, length, timeout),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                System.err.println("webhook answered " + response.statusCode() + ": " + response.body());
                return -1;
            }
            return (System.nanoTime() - begin) / 1_000_000;
        } catch (Exception e) {
            System.err.println("webhook failed: " + e);
            return -1;
        }
    }

    private static HttpRequest request(String url, Supplier<InputStream> body, long length, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-Bridge-Token", EmbeddedBridge.WEBHOOK_TOKEN)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(body),
                        length))
                .build();
    }

    private static String textWebhook(long number) {
        String phone = String.format("55119%08d", 20_000 + number % SMALL_CHATS);
        return "{\"event\":\"messages.upsert\",\"instance\":\"atendimento-exemplo\",\"data\":{\"key\":{"
                + "\"remoteJid\":\"" + phone + "@s.whatsapp.net\",\"fromMe\":false,\"id\":\"BENCHSMALL" + number
                + "\"},\"pushName\":\"Cliente\",\"message\":{\"conversation\":\"mensagem " + number + "\"},"
                + "\"messageType\":\"conversation\",\"messageTimestamp\":1736950000}}";
    }

    private static long percentile(List<Long> values, int percent) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** Samples the size of a folder tree every 100 ms and keeps the maximum. */
    private static final class DiskSampler implements AutoCloseable {
        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        private final AtomicLong peak = new AtomicLong();

        DiskSampler(Path dir) {
            sampler.scheduleWithFixedDelay(() -> peak.accumulateAndGet(sizeOf(dir), Math::max), 0, 100,
                    TimeUnit.MILLISECONDS);
        }

        long peakBytes() {
            return peak.get();
        }

        @Override
        public void close() {
            sampler.shutdownNow();
        }

        private static long sizeOf(Path dir) {
            try (var files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).mapToLong(file -> {
                    try {
                        return Files.size(file);
                    } catch (Exception vanished) {
                        return 0;
                    }
                }).sum();
            } catch (Exception vanished) {
                return 0;
            }
        }
    }
}
