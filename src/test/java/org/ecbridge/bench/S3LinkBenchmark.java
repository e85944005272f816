package org.ecbridge.bench;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ecbridge.testsupport.BridgeProcess;
import org.ecbridge.testsupport.ChatwootStandIn;
import org.ecbridge.testsupport.EmbeddedBridge;
import org.ecbridge.testsupport.GeneratedWebhook;
import org.ecbridge.testsupport.S3ProxyServer;
import org.ecbridge.testsupport.WebhookClient;

/**
 * Measures the S3 path: a file over the attachment limit, inside a base64 webhook, through a bridge JVM with a
 * small heap that stores it with a multipart upload (camel-aws2-s3) on S3Proxy and posts its link to a Chatwoot
 * stand-in. Prints the time to the 200, the S3 upload time from the bridge's log, the whole time until the link
 * is posted, and the bridge's peak RSS. Run it with {@code bench/s3.sh}.
 */
public final class S3LinkBenchmark {

    private static final Pattern STORED = Pattern.compile("for a link in (\\d+) ms");

    private S3LinkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long fileBytes = Long.parseLong(args.length > 0 ? args[0] : "1073741824");
        List<String> jvmOptions = List.of((args.length > 1 ? args[1] : "-Xmx128m").split(" "));
        Path work = Files.createTempDirectory(Path.of("target"), "s3-bench-");
        GeneratedWebhook webhook = new GeneratedWebhook("S3BENCH" + fileBytes, "video.mp4", "video/mp4", fileBytes,
                7);
        try (S3ProxyServer s3 = S3ProxyServer.start(Files.createDirectories(work.resolve("s3")), "bridge-media");
                ChatwootStandIn chatwoot = new ChatwootStandIn(Files.createDirectories(work.resolve("chatwoot")),
                        "token").addInbox(7, "WhatsApp").start()) {
            Map<String, String> properties = EmbeddedBridge.defaults(work.resolve("data"), chatwoot.baseUrl(),
                    "token");
            properties.put("bridge.storage.type", "s3");
            properties.put("bridge.s3.endpoint", s3.endpoint().toString());
            properties.put("bridge.s3.access-key", S3ProxyServer.ACCESS_KEY);
            properties.put("bridge.s3.secret-key", S3ProxyServer.SECRET_KEY);
            properties.put("bridge.webhook.max-body-bytes", Long.toString(webhook.bodyBytes() + 1024));
            properties.put("bridge.media.max-file-bytes", Long.toString(fileBytes + 1));
            properties.put("bridge.disk.spool-quota-bytes", Long.toString(8L << 30));
            properties.put("camel.main.routesIncludePattern", "file:routes/*.yaml");
            try (BridgeProcess bridge = BridgeProcess.start(jvmOptions, properties,
                    Duration.ofSeconds(60))) {
                long startNanos = System.nanoTime();
                HttpResponse<String> response = new WebhookClient(bridge.webhookUrl())
                        .postStream(webhook::body, webhook.bodyBytes(), Duration.ofMinutes(10));
                long acceptedMillis = (System.nanoTime() - startNanos) / 1_000_000;
                chatwoot.awaitMessages(1, Duration.ofMinutes(10));
                long postedMillis = (System.nanoTime() - startNanos) / 1_000_000;
                Matcher stored = STORED.matcher(bridge.log());
                long uploadMillis = stored.find() ? Long.parseLong(stored.group(1)) : -1;
                System.out.printf("| file | JVM options | status | webhook 200 after | S3 multipart upload "
                        + "| link posted after | upload throughput | bridge peak RSS |%n"
                        + "|---|---|---|---|---|---|---|---|%n");
                System.out.printf("| %d MiB | %s | %d | %.1f s | %.1f s | %.1f s | %.0f MB/s | %d MiB |%n",
                        fileBytes >> 20, String.join(" ", jvmOptions), response.statusCode(), acceptedMillis / 1000.0,
                        uploadMillis / 1000.0,
                        postedMillis / 1000.0, fileBytes / 1e6 / (uploadMillis / 1000.0),
                        bridge.peakResidentBytes() >> 20);
            }
        } finally {
            deleteRecursively(work);
        }
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
