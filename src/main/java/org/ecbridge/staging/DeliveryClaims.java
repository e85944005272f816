package org.ecbridge.staging;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.apache.camel.component.file.GenericFileExclusiveReadLockStrategy;
import org.apache.camel.component.file.GenericFileOperations;
import org.ecbridge.state.StateStore;
import org.ecbridge.state.StateStoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery file consumer's read lock: a claim {@code claim:<itemId>} in the state store, taken before the
 * consumer moves a record from {@code inbox/} to {@code work/} and released after the record is deleted. With
 * Redis, replicas polling one shared inbox therefore never deliver the same record twice, and
 * {@link StagingRecovery} can tell a record in {@code work/} that a live process is delivering (claimed) from one
 * whose process died (claim expired after its lease).
 *
 * <p>While a claim is held, its record's modification time is renewed as well, a second sign of life that does
 * not depend on Redis: it keeps recovery away from a record whose claim vanished with Redis's data.
 */
public final class DeliveryClaims implements GenericFileExclusiveReadLockStrategy<File>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryClaims.class);

    private final StateStore state;
    private final StagingArea staging;
    private final Duration lease;
    private final BooleanSupplier stateAvailable;
    /** Claims held by this process, by record file name, shared by the consumers of every delivery lane. */
    private final Map<String, StateStore.LockHandle> held = new ConcurrentHashMap<>();
    private final AtomicBoolean waitingLogged = new AtomicBoolean();
    private final ScheduledExecutorService heartbeat;

    public DeliveryClaims(StateStore state, StagingArea staging, Duration lease, BooleanSupplier stateAvailable) {
        this.state = state;
        this.staging = staging;
        this.lease = lease;
        this.stateAvailable = stateAvailable;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "delivery-claim-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(100, lease.toMillis() / 3);
        heartbeat.scheduleWithFixedDelay(this::touchClaimedRecords, period, period, TimeUnit.MILLISECONDS);
    }

    public static String claimKey(String itemId) {
        return "claim:" + itemId;
    }

    /**
     * Returns the item id of a record file name such as {@code 20250115T101500123-a1b2c3d4e5.0c1d2e3f.json}, or
     * {@code 20250115T101500123-a1b2c3d4e5.json} as staged before delivery lanes.
     */
    public static String itemId(String recordFileName) {
        return DeliveryLanes.itemId(recordFileName);
    }

    /** Returns the held claims, for tests and diagnostics. */
    public int heldCount() {
        return held.size();
    }

    @Override
    public boolean acquireExclusiveReadLock(GenericFileOperations<File> operations, GenericFile<File> file,
            Exchange exchange) throws Exception {
        if (!stateAvailable.getAsBoolean()) {
            logWaitingOnce();
            return false;
        }
        String fileName = file.getFileNameOnly();
        String itemId = itemId(fileName);
        Optional<StateStore.LockHandle> claim;
        try {
            claim = state.tryLock(claimKey(itemId), lease);
        } catch (StateStoreUnavailableException e) {
            logWaitingOnce();
            return false;
        }
        if (claim.isEmpty()) {
            LOG.debug("Item {} is claimed by another process", itemId);
            return false;
        }
        Path record = file.getFile().toPath();
        if (!touch(record)) {
            // Another process delivered it between our directory listing and the claim.
            claim.get().close();
            return false;
        }
        waitingLogged.set(false);
        held.put(fileName, claim.get());
        return true;
    }

    @Override
    public void releaseExclusiveReadLockOnAbort(GenericFileOperations<File> operations, GenericFile<File> file,
            Exchange exchange) {
        release(file);
    }

    @Override
    public void releaseExclusiveReadLockOnRollback(GenericFileOperations<File> operations, GenericFile<File> file,
            Exchange exchange) {
        release(file);
    }

    @Override
    public void releaseExclusiveReadLockOnCommit(GenericFileOperations<File> operations, GenericFile<File> file,
            Exchange exchange) {
        release(file);
    }

    @Override
    public void prepareOnStartup(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint) {
        // Recovery of records left in work/ is StagingRecovery's job, before and while the consumer runs.
    }

    @Override
    public void setTimeout(long timeout) {
    }

    @Override
    public void setCheckInterval(long checkInterval) {
    }

    @Override
    public void setReadLockLoggingLevel(LoggingLevel readLockLoggingLevel) {
    }

    @Override
    public void setMarkerFiler(boolean markerFile) {
    }

    @Override
    public void setDeleteOrphanLockFiles(boolean deleteOrphanLockFiles) {
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
    }

    private void release(GenericFile<File> file) {
        StateStore.LockHandle claim = held.remove(file.getFileNameOnly());
        if (claim != null) {
            claim.close();
        }
    }

    private void touchClaimedRecords() {
        for (String fileName : held.keySet()) {
            if (!touch(staging.work().resolve(fileName))) {
                touch(staging.inbox().resolve(fileName));
            }
        }
    }

    /** Sets the file's modification time to now; false when it does not exist. */
    private static boolean touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            LOG.warn("Cannot renew the modification time of {}", file, e);
            return true;
        }
    }

    private void logWaitingOnce() {
        if (waitingLogged.compareAndSet(false, true)) {
            LOG.warn("Deliveries wait: the state store is unavailable, so staged records cannot be claimed");
        }
    }
}
