package org.ecbridge.processors.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.ecbridge.testsupport.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTranscoderTest {

    private static final Charset WINDOWS_1252 = TextCharsetSnifferTest.WINDOWS_1252;
    private static final long SMALL_FILE_BYTES = 1L << 20;
    private static final long LARGE_FILE_BYTES = 50L << 20;
    /** Heap growth allowed between the 1 MiB and the 50 MiB run; measured: under 1 MiB with G1. */
    private static final long MAX_HEAP_GROWTH_BYTES = 4L << 20;
    private static final String SMALL_HEAP = "-Xmx32m";

    @TempDir
    Path tempDir;

    @Test
    void windows1252CsvBecomesUtf8() throws IOException {
        Path source = Files.write(tempDir.resolve("in.csv"),
                TextCharsetSnifferTest.CSV_WITH_QUOTES.getBytes(WINDOWS_1252));
        Path target = tempDir.resolve("out.csv");

        TextTranscoder.Transcoded transcoded = TextTranscoder.transcode(source, WINDOWS_1252, 0, target,
                CodingErrorAction.REPORT, Long.MAX_VALUE);

        byte[] expected = TextCharsetSnifferTest.CSV_WITH_QUOTES.getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, Files.readAllBytes(target));
        assertEquals(expected.length, transcoded.sizeBytes());
        assertEquals(Sha256.ofBytes(expected), transcoded.sha256Hex());
    }

    @Test
    void utf16ByteOrderMarkIsLeftOut() throws IOException {
        byte[] bom = {(byte) 0xFF, (byte) 0xFE};
        Path source = Files.write(tempDir.resolve("in.txt"), TextCharsetSnifferTest.concat(bom,
                TextCharsetSnifferTest.CSV.getBytes(StandardCharsets.UTF_16LE)));
        Path target = tempDir.resolve("out.txt");

        TextTranscoder.transcode(source, StandardCharsets.UTF_16LE, 2, target, CodingErrorAction.REPORT,
                Long.MAX_VALUE);

        assertArrayEquals(TextCharsetSnifferTest.CSV.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
    }

    @Test
    void surrogatePairsAcrossBufferBoundariesSurvive() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            text.append(i % 7 == 0 ? "x" : "").append("\uD83D\uDC4D ação ");
        }
        Path source = Files.write(tempDir.resolve("in.txt"), text.toString().getBytes(StandardCharsets.UTF_16BE));
        Path target = tempDir.resolve("out.txt");

        TextTranscoder.transcode(source, StandardCharsets.UTF_16BE, 0, target, CodingErrorAction.REPORT,
                Long.MAX_VALUE);

        assertTrue(Files.size(source) > 4 * 64 * 1024, "spans several buffers");
        assertEquals(Sha256.ofBytes(text.toString().getBytes(StandardCharsets.UTF_8)), Sha256.ofFile(target));
    }

    @Test
    void malformedInputIsReportedWithItsOffset() throws IOException {
        byte[] text = "linha 1; preço\n".repeat(10_000).getBytes(WINDOWS_1252);
        byte[] undefined = {(byte) 0x81};
        Path source = Files.write(tempDir.resolve("in.txt"), TextCharsetSnifferTest.concat(text, undefined));

        MalformedTextException error = assertThrows(MalformedTextException.class, () -> TextTranscoder.transcode(
                source, WINDOWS_1252, 0, tempDir.resolve("out.txt"), CodingErrorAction.REPORT, Long.MAX_VALUE));

        assertEquals(text.length, error.offset());
        assertEquals("unmappable windows-1252 input of 1 byte at byte offset " + text.length, error.getMessage());
    }

    @Test
    void truncatedUtf16IsReportedAtTheEnd() throws IOException {
        byte[] bytes = "abc".getBytes(StandardCharsets.UTF_16LE);
        Path source = Files.write(tempDir.resolve("in.txt"), Arrays.copyOf(bytes, bytes.length - 1));

        MalformedTextException error = assertThrows(MalformedTextException.class, () -> TextTranscoder.transcode(
                source, StandardCharsets.UTF_16LE, 0, tempDir.resolve("out.txt"), CodingErrorAction.REPORT,
                Long.MAX_VALUE));

        assertEquals(4, error.offset());
    }

    @Test
    void malformedInputIsReplacedWhenConfigured() throws IOException {
        Path source = Files.write(tempDir.resolve("in.txt"), new byte[] {'a', (byte) 0x81, 'b'});
        Path target = tempDir.resolve("out.txt");

        TextTranscoder.transcode(source, WINDOWS_1252, 0, target, CodingErrorAction.REPLACE, Long.MAX_VALUE);

        assertEquals("a\uFFFDb", Files.readString(target, StandardCharsets.UTF_8));
    }

    @Test
    void outputOverTheLimitStops() throws IOException {
        Path source = Files.write(tempDir.resolve("in.txt"), "€".repeat(1000).getBytes(WINDOWS_1252));

        assertThrows(MediaTooLargeException.class, () -> TextTranscoder.transcode(source, WINDOWS_1252, 0,
                tempDir.resolve("out.txt"), CodingErrorAction.REPORT, 2000));
    }

    /**
     * Transcodes a 1 MiB and a 50 MiB windows-1252 file, each in a JVM with a 32 MiB heap, which a transcoder that
     * held the file, its text or its UTF-8 in memory could not do for the larger one. The heap in use after
     * collections must not grow with the file, and the output must equal the JDK's own transcoding of the whole
     * file in memory.
     */
    @Test
    void largeFileTranscodesInConstantMemory() throws Exception {
        Path small = tempDir.resolve("small.csv");
        Path large = tempDir.resolve("large.csv");
        writeWindows1252Rows(small, SMALL_FILE_BYTES);
        writeWindows1252Rows(large, LARGE_FILE_BYTES);

        ForkedTranscoding smallRun = transcodeInSmallHeap(small, tempDir.resolve("small.utf8.csv"));
        ForkedTranscoding largeRun = transcodeInSmallHeap(large, tempDir.resolve("large.utf8.csv"));

        byte[] expected = new String(Files.readAllBytes(large), WINDOWS_1252).getBytes(StandardCharsets.UTF_8);
        assertEquals(Sha256.ofBytes(expected), largeRun.sha256Hex(), "SHA-256 reported by the transcoder");
        assertEquals(Sha256.ofBytes(expected), Sha256.ofFile(tempDir.resolve("large.utf8.csv")),
                "SHA-256 of the written file");
        assertEquals(expected.length, largeRun.sizeBytes());
        assertTrue(largeRun.collections() > 0, "the heap was collected during the run");
        assertTrue(largeRun.liveHeapBytes() < smallRun.liveHeapBytes() + MAX_HEAP_GROWTH_BYTES, "heap in use "
                + "after collections: " + smallRun.liveHeapBytes() + " bytes for 1 MiB, " + largeRun.liveHeapBytes()
                + " bytes for 50 MiB");
        System.out.printf("Transcoded windows-1252 to UTF-8 with %s: at most %.1f MiB of heap in use after a "
                        + "collection for 1 MiB, %.1f MiB for %d MiB (%d bytes of UTF-8)%n", SMALL_HEAP,
                smallRun.liveHeapBytes() / 1048576.0, largeRun.liveHeapBytes() / 1048576.0,
                LARGE_FILE_BYTES >> 20, expected.length);
    }

    /** What {@link TranscodeInSmallHeap} printed. */
    private record ForkedTranscoding(String sha256Hex, long sizeBytes, long liveHeapBytes, long collections) {
    }

    private ForkedTranscoding transcodeInSmallHeap(Path source, Path target) throws Exception {
        Process process = new ProcessBuilder(javaCommand(source, target)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "transcoding did not finish within 120 s");
        assertEquals(0, process.exitValue(), "transcoding " + source + " with " + SMALL_HEAP + " failed:\n" + output);

        Matcher result = Pattern.compile(
                "sha256=(\\p{XDigit}{64}) bytes=(\\d+) liveHeapBytes=(\\d+) collections=(\\d+)").matcher(output);
        assertTrue(result.find(), output);
        return new ForkedTranscoding(result.group(1), Long.parseLong(result.group(2)),
                Long.parseLong(result.group(3)), Long.parseLong(result.group(4)));
    }

    private static void writeWindows1252Rows(Path file, long minBytes) throws IOException {
        try (Writer writer = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), WINDOWS_1252),
                1 << 16)) {
            long written = 0;
            for (int line = 0; written < minBytes; line++) {
                String row = line + ";João Conceição;São Paulo;“orçamento” – " + line % 97 + ",50 €\n";
                writer.write(row);
                written += row.length();
            }
        }
    }

    private static List<String> javaCommand(Path source, Path target) throws IOException {
        String classpath = Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                + Path.of("target", "test-classes").toAbsolutePath() + File.pathSeparator
                + Files.readString(Path.of("target", "test-classpath.txt")).trim();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(SMALL_HEAP);
        command.add("-cp");
        command.add(classpath);
        command.add(TranscodeInSmallHeap.class.getName());
        command.add(source.toString());
        command.add(WINDOWS_1252.name());
        command.add(target.toString());
        return command;
    }
}
