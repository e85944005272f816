package org.ecbridge.staging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.ecbridge.state.StateStore;
import org.ecbridge.state.StateStoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts back what a dead process left in a staging area shared by several replicas, at start and then on a
 * schedule: a record in {@code work/} goes back to {@code inbox/} once its claim is free and its file is older
 * than the orphan age, and a file in {@code tmp/} is deleted once it is older than the orphan age.
 *
 * <p>Both conditions matter. A live process holds the claim of every record it delivers and renews the record's
 * modification time (see {@link DeliveryClaims}), and its temporary files grow while they are written, so neither
 * is touched here. A record whose claim is free but whose file is fresh may belong to a process that lost its
 * claim when Redis lost its data; it waits. The modification times are compared with this host's clock, so the
 * hosts sharing the folder need synchronised clocks (NTP) to within a fraction of the orphan age.
 */
public final class StagingRecovery implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StagingRecovery.class);

    private final StagingArea staging;
    private final StateStore state;
    private final Duration lease;
    private final Duration orphanAge;
    private final BooleanSupplier stateAvailable;
    private final ScheduledExecutorService scheduler;

    public StagingRecovery(StagingArea staging, StateStore state, Duration lease, Duration orphanAge,
            BooleanSupplier stateAvailable) {
        this.staging = staging;
        this.state = state;
        this.lease = lease;
        this.orphanAge = orphanAge;
        this.stateAvailable = stateAvailable;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "staging-recovery");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Recovers once now, then every quarter of the orphan age. */
    public void start() {
        staging.createFolders();
        recover();
        long period = Math.max(250, orphanAge.toMillis() / 4);
        scheduler.scheduleWithFixedDelay(this::recover, period, period, TimeUnit.MILLISECONDS);
    }

    /** Runs one pass; returns the number of records requeued, or -1 when the state store was unavailable. */
    public int recover() {
        if (!stateAvailable.getAsBoolean()) {
            return -1;
        }
        try {
            int requeued = staging.requeueInterruptedDeliveries(this::requeueIfOrphaned);
            int removed = staging.deleteTemporaryFiles(this::isStale);
            if (requeued > 0 || removed > 0) {
                LOG.info("Staging recovery: {} interrupted deliveries requeued, {} orphaned temporary files removed "
                        + "from {}", requeued, removed, staging.root());
            }
            return requeued;
        } catch (StateStoreUnavailableException e) {
            LOG.debug("Staging recovery skipped: {}", e.getMessage());
            return -1;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Staging recovery of {} failed; it runs again shortly", staging.root(), e);
            return 0;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private boolean requeueIfOrphaned(Path record, StagingArea.Move move) throws IOException {
        if (!isStale(record)) {
            return false;
        }
        String itemId = DeliveryClaims.itemId(record.getFileName().toString());
        Optional<StateStore.LockHandle> claim;
        try {
            claim = state.tryLock(DeliveryClaims.claimKey(itemId), lease);
        } catch (StateStoreUnavailableException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("Cannot claim item " + itemId, e);
        }
        if (claim.isEmpty()) {
            return false;
        }
        try (StateStore.LockHandle held = claim.get()) {
            if (!Files.exists(record)) {
                return false;
            }
            move.run();
            LOG.warn("Item {} was left in {} by a process that stopped delivering it; it is delivered again",
                    itemId, staging.work());
            return true;
        }
    }

    private boolean isStale(Path file) {
        try {
            long ageMillis = System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis();
            return ageMillis > orphanAge.toMillis();
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            LOG.warn("Cannot read the modification time of {}", file, e);
            return false;
        }
    }
}
