package org.ecbridge.testsupport;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real bridge in a JVM of its own, started like {@code bin/bridge} does, for tests that need a small heap or
 * that kill the process. Its output goes to {@code <dataDir>/../bridge-<port>.log}.
 */
public final class BridgeProcess implements AutoCloseable {

    private final Process process;
    private final int webhookPort;
    private final int managementPort;
    private final Path log;

    private BridgeProcess(Process process, int webhookPort, int managementPort, Path log) {
        this.process = process;
        this.webhookPort = webhookPort;
        this.managementPort = managementPort;
        this.log = log;
    }

    /** Starts the bridge with {@code jvmOptions} and the given properties, and waits until the webhook answers. */
    public static BridgeProcess start(List<String> jvmOptions, Map<String, String> properties, Duration timeout)
            throws Exception {
        int webhookPort = EmbeddedBridge.freePort();
        int managementPort = EmbeddedBridge.freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(Path.of("target", "classes").toAbsolutePath() + java.io.File.pathSeparator + runtimeClasspath());
        command.add("org.ecbridge.BridgeApplication");
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        properties.forEach((key, value) -> environment.put(environmentName(key), value));
        environment.put("BRIDGE_WEBHOOK_PORT", Integer.toString(webhookPort));
        environment.putIfAbsent("BRIDGE_PUBLIC_URL", "http://127.0.0.1:" + webhookPort);
        environment.put("BRIDGE_MANAGEMENT_PORT", Integer.toString(managementPort));
        Path dataDir = Path.of(properties.get("bridge.data-dir"));
        Path log = dataDir.resolveSibling("bridge-" + webhookPort + ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        BridgeProcess bridge = new BridgeProcess(builder.start(), webhookPort, managementPort, log);
        bridge.awaitReady(timeout);
        return bridge;
    }

    public String webhookUrl() {
        return baseUrl() + "/webhook/evolution";
    }

    /** Returns {@code http://127.0.0.1:<webhook port>}, the bridge's {@code bridge.public-url} unless set. */
    public String baseUrl() {
        return "http://127.0.0.1:" + webhookPort;
    }

    public int managementPort() {
        return managementPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Returns the process's peak resident set size in bytes (VmHWM), or -1 when /proc is not readable. */
    public long peakResidentBytes() {
        return procStatusBytes("VmHWM:");
    }

    /** Returns the process's current resident set size in bytes (VmRSS), or -1 when /proc is not readable. */
    public long residentBytes() {
        return procStatusBytes("VmRSS:");
    }

    private long procStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Ends the process at once, as a crash or {@code kill -9} would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("bridge process exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(webhookUrl()).toURL().openConnection();
                connection.setRequestMethod("POST");
                connection.setConnectTimeout(500);
                int status = connection.getResponseCode();
                connection.disconnect();
                if (status == 401) {
                    return;
                }
            } catch (IOException notYetListening) {
                // The bridge is still starting.
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("bridge did not answer within " + timeout + ":\n" + log());
    }

    private static String runtimeClasspath() throws IOException {
        Path file = Path.of("target", "runtime-classpath.txt");
        if (!Files.exists(file)) {
            throw new IllegalStateException(file + " is missing; it is written by mvn generate-resources");
        }
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }

    private static String environmentName(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
