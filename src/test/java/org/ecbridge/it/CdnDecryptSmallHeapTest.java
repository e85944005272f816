package org.ecbridge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ecbridge.testsupport.WhatsAppMediaEncryptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB document, encrypted here as WhatsApp's sender would, is decrypted by the bridge's decryptor in a JVM
 * limited to a 64 MiB heap, and the plaintext's SHA-256 matches. Needs about 2 GiB of free disk.
 */
class CdnDecryptSmallHeapTest {

    private static final long FILE_BYTES = 1L << 30;
    private static final String HEAP = "-Xmx64m";
    private static final long PROCESS_TIMEOUT_SECONDS = 300;

    @TempDir
    Path tempDir;

    @Test
    void oneGibDecryptsInSmallHeap() throws Exception {
        byte[] mediaKey = new byte[32];
        new Random(7).nextBytes(mediaKey);
        Path encrypted = tempDir.resolve("large.enc");
        Path decrypted = tempDir.resolve("large.plain");
        WhatsAppMediaEncryptor.Encrypted facts;
        try (InputStream plain = new SeededBytes(FILE_BYTES, 11)) {
            facts = WhatsAppMediaEncryptor.encrypt(plain, encrypted, mediaKey, "document");
        }

        Process process = decryptInForkedJvm(encrypted, decrypted, mediaKey, facts);
        boolean exited = process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        String output = Files.readString(tempDir.resolve("decrypt.log"), StandardCharsets.UTF_8);

        assertTrue(exited, "decryptor did not finish within " + PROCESS_TIMEOUT_SECONDS + " s:\n" + output);
        assertEquals(0, process.exitValue(), "decryptor output:\n" + output);
        String expectedSha256 = HexFormat.of().formatHex(facts.fileSha256());
        assertTrue(output.contains("bytes=" + FILE_BYTES + " "), output);
        assertTrue(output.contains("sha256=" + expectedSha256 + " "), output);
        assertEquals(FILE_BYTES, Files.size(decrypted));
    }

    private Process decryptInForkedJvm(Path encrypted, Path decrypted, byte[] mediaKey,
            WhatsAppMediaEncryptor.Encrypted facts) throws IOException {
        Base64.Encoder base64 = Base64.getEncoder();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(HEAP);
        command.add("-cp");
        command.add(classpath());
        command.add("org.ecbridge.bench.CdnDecryptMain");
        command.add(encrypted.toString());
        command.add(decrypted.toString());
        command.add(base64.encodeToString(mediaKey));
        command.add("document");
        command.add(base64.encodeToString(facts.fileEncSha256()));
        command.add(base64.encodeToString(facts.fileSha256()));
        command.add(Long.toString(facts.fileLength()));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tempDir.resolve("decrypt.log").toFile()).start();
    }

    private static String classpath() throws IOException {
        Path runtime = Path.of("target", "runtime-classpath.txt");
        if (!Files.exists(runtime)) {
            throw new IllegalStateException(runtime + " is missing; it is written by mvn generate-resources");
        }
        return Path.of("target", "test-classes").toAbsolutePath() + File.pathSeparator
                + Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                + Files.readString(runtime, StandardCharsets.UTF_8).trim();
    }

    /** Pseudo-random bytes from a seed, produced on demand. */
    private static final class SeededBytes extends InputStream {
        private final Random random;
        private long remaining;

        SeededBytes(long lengthBytes, long seed) {
            this.random = new Random(seed);
            this.remaining = lengthBytes;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            if (remaining == 0) {
                return -1;
            }
            int count = (int) Math.min(length, remaining);
            byte[] chunk = new byte[count];
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, target, offset, count);
            remaining -= count;
            return count;
        }
    }
}
