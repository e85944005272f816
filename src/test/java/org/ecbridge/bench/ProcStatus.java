package org.ecbridge.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's memory counters from Linux's {@code /proc/<pid>/status}. */
final class ProcStatus {

    private ProcStatus() {
    }

    /** Returns VmHWM, the peak resident set size of the process since it started, in KiB. */
    static long vmHwmKibibytes(long pid) throws IOException {
        return field(pid, "VmHWM:");
    }

    /** Returns RssAnon, the resident anonymous memory (heap, metaspace, malloc, thread stacks), in KiB. */
    static long rssAnonKibibytes(long pid) throws IOException {
        return field(pid, "RssAnon:");
    }

    /** Returns RssFile, the resident pages of mapped files (the JDK's modules image, the CDS archive), in KiB. */
    static long rssFileKibibytes(long pid) throws IOException {
        return field(pid, "RssFile:");
    }

    private static long field(long pid, String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(name)) {
                // The line reads, for example, "VmHWM:	  183456 kB".
                return Long.parseLong(line.substring(name.length()).replace("kB", "").trim());
            }
        }
        throw new IOException("/proc/" + pid + "/status has no " + name + " line");
    }
}
