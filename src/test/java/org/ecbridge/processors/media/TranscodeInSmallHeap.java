package org.ecbridge.processors.media;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Transcodes one file from a charset to UTF-8 in a JVM of its own, so that a test can run it under a small
 * {@code -Xmx}. Prints {@code sha256=<hex> bytes=<n> liveHeapBytes=<n> collections=<n>}, where the live heap is
 * the largest heap in use right after a garbage collection, summed over the heap pools.
 */
public final class TranscodeInSmallHeap {

    private TranscodeInSmallHeap() {
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        Charset charset = Charset.forName(args[1]);
        Path target = Path.of(args[2]);
        AtomicLong maxLiveHeapBytes = new AtomicLong();
        AtomicLong collections = new AtomicLong();
        watchCollections(maxLiveHeapBytes, collections);

        TextTranscoder.Transcoded transcoded = TextTranscoder.transcode(source, charset, 0, target,
                CodingErrorAction.REPORT, Long.MAX_VALUE);

        System.out.println("sha256=" + transcoded.sha256Hex() + " bytes=" + transcoded.sizeBytes()
                + " liveHeapBytes=" + maxLiveHeapBytes.get() + " collections=" + collections.get());
    }

    /** Records, after every collection, the heap in use summed over the heap pools, and keeps the largest. */
    private static void watchCollections(AtomicLong maxLiveHeapBytes, AtomicLong collections) {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName)
                .collect(Collectors.toSet());
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) collector).addNotificationListener((notification, handback) -> {
                if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                    return;
                }
                GarbageCollectionNotificationInfo info =
                        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                long liveBytes = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                        .filter(pool -> heapPools.contains(pool.getKey()))
                        .mapToLong(pool -> pool.getValue().getUsed())
                        .sum();
                maxLiveHeapBytes.accumulateAndGet(liveBytes, Math::max);
                collections.incrementAndGet();
            }, null, null);
        }
    }
}
