package org.ecbridge.testsupport;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} of a test's own on a free loopback port, keeping nothing on disk, that the test can stop
 * and start again on the same port to play a Redis outage. A restart therefore begins with an empty database.
 */
public final class PrivateRedisServer implements AutoCloseable {

    private final int port;
    private final Path log;
    private Process process;

    public PrivateRedisServer(Path workDir) {
        this.port = EmbeddedBridge.freePort();
        this.log = workDir.resolve("redis-" + port + ".log");
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public PrivateRedisServer start() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"));
        builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server on port " + port + " did not start; see " + log);
            }
            Thread.sleep(50);
        }
        return this;
    }

    /** Stops the server at once, as a crash would. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private boolean answers() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write("PING\r\n".getBytes());
            byte[] answer = new byte[7];
            return socket.getInputStream().read(answer) > 0 && new String(answer).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
