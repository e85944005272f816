package org.ecbridge.staging;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the spool and staging folders in the background, so that a webhook can be checked against the disk
 * quotas without walking folders on the request path.
 */
public final class DiskUsageMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DiskUsageMonitor.class);

    private final Path spoolDir;
    private final Path stagingDir;
    private final long spoolQuotaBytes;
    private final long stagingQuotaBytes;
    private final long minFreeBytes;
    private final AtomicLong spoolBytes = new AtomicLong();
    private final AtomicLong stagingBytes = new AtomicLong();
    private final AtomicLong freeBytes = new AtomicLong(Long.MAX_VALUE);
    /** Bytes announced by webhooks that are being received and not yet measured in their folders. */
    private final AtomicLong reservedBytes = new AtomicLong();
    private final ScheduledExecutorService scheduler;

    public DiskUsageMonitor(Path spoolDir, Path stagingDir, long spoolQuotaBytes, long stagingQuotaBytes,
            long minFreeBytes, long refreshMillis) {
        this.spoolDir = spoolDir;
        this.stagingDir = stagingDir;
        this.spoolQuotaBytes = spoolQuotaBytes;
        this.stagingQuotaBytes = stagingQuotaBytes;
        this.minFreeBytes = minFreeBytes;
        refresh();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "disk-usage-monitor");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::refresh, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Returns why a webhook of {@code incomingBytes} could never be stored, even with empty folders: then it gets
     * 422, because a 503 would make EvolutionAPI resend it for nothing.
     */
    public Optional<String> neverFitsReason(long incomingBytes) {
        if (incomingBytes > spoolQuotaBytes) {
            return Optional.of("webhook body of " + incomingBytes + " bytes is larger than "
                    + "bridge.disk.spool-quota-bytes (" + spoolQuotaBytes + "), so it can never be accepted; "
                    + "raise the quota");
        }
        if (incomingBytes > stagingQuotaBytes) {
            return Optional.of("webhook body of " + incomingBytes + " bytes is larger than "
                    + "bridge.disk.staging-quota-bytes (" + stagingQuotaBytes + "), so it can never be accepted; "
                    + "raise the quota");
        }
        return Optional.empty();
    }

    /** Returns why new webhooks must wait, or empty while every quota has room. */
    public Optional<String> overQuotaReason(long incomingBytes) {
        long incoming = Math.max(0, incomingBytes) + reservedBytes.get();
        if (spoolBytes.get() + incoming > spoolQuotaBytes) {
            return Optional.of("spool folder " + spoolDir + " holds " + spoolBytes.get() + " bytes; with "
                    + incoming + " more it would exceed bridge.disk.spool-quota-bytes (" + spoolQuotaBytes + ")");
        }
        if (stagingBytes.get() + incoming > stagingQuotaBytes) {
            return Optional.of("staging folder " + stagingDir + " holds " + stagingBytes.get() + " bytes; with "
                    + incoming + " more it would exceed bridge.disk.staging-quota-bytes (" + stagingQuotaBytes
                    + ")");
        }
        if (freeBytes.get() - 2 * incoming < minFreeBytes) {
            return Optional.of("disk has " + freeBytes.get() + " bytes free, under bridge.disk.min-free-bytes ("
                    + minFreeBytes + ") once this webhook is stored");
        }
        return Optional.empty();
    }

    /** Counts bytes of a webhook being received until {@link #release} is called for them. */
    public void reserve(long bytes) {
        reservedBytes.addAndGet(Math.max(0, bytes));
    }

    public void release(long bytes) {
        reservedBytes.addAndGet(-Math.max(0, bytes));
    }

    public long spoolBytes() {
        return spoolBytes.get();
    }

    public long stagingBytes() {
        return stagingBytes.get();
    }

    public long freeBytes() {
        return freeBytes.get();
    }

    /** Returns the bytes announced by webhooks that are being received right now. */
    public long reservedBytes() {
        return reservedBytes.get();
    }

    public long spoolQuotaBytes() {
        return spoolQuotaBytes;
    }

    public long stagingQuotaBytes() {
        return stagingQuotaBytes;
    }

    public long minFreeBytes() {
        return minFreeBytes;
    }

    /** Measures the folders now; also called on a schedule. */
    public void refresh() {
        spoolBytes.set(sizeOf(spoolDir));
        stagingBytes.set(sizeOf(stagingDir));
        try {
            Path existing = Files.exists(stagingDir) ? stagingDir : stagingDir.getRoot();
            freeBytes.set(Files.getFileStore(existing).getUsableSpace());
        } catch (IOException e) {
            LOG.warn("Cannot read the free space of the disk holding {}", stagingDir, e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private static long sizeOf(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        AtomicLong total = new AtomicLong();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    total.addAndGet(attributes.size());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    // Files come and go while the folder is walked; a vanished one simply no longer counts.
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            return total.get();
        } catch (IOException e) {
            LOG.warn("Cannot measure {}", dir, e);
        }
        return total.get();
    }
}
