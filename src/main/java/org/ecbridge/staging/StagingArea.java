package org.ecbridge.staging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable queue between the webhook and delivery: a folder tree under {@code <data-dir>/staging}.
 *
 * <p>A staged message is a record {@code inbox/<itemId>.<chatKey>.json} plus, for media,
 * {@code media/<itemId>.media}. The chat key puts the record into its delivery lane (see {@link DeliveryLanes}).
 * Files are written under {@code tmp/} and moved into place atomically, so a reader never sees half a file.
 * The delivery route's file consumer moves a record to {@code work/} while it delivers it; records left there by
 * a crash are moved back to {@code inbox/} on start.
 */
public final class StagingArea {

    private static final Logger LOG = LoggerFactory.getLogger(StagingArea.class);
    private static final DateTimeFormatter ITEM_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final ObjectMapper mapper;

    public StagingArea(Path root, ObjectMapper mapper) {
        this.root = root;
        this.mapper = mapper;
    }

    public Path root() {
        return root;
    }

    public Path inbox() {
        return root.resolve("inbox");
    }

    public Path work() {
        return root.resolve("work");
    }

    public Path media() {
        return root.resolve("media");
    }

    public Path dead() {
        return root.resolve("dead");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }

    /**
     * Creates the folders and puts back everything a previous process left half done. Only for a bridge that is
     * the single user of its data folder; replicas sharing the folder use {@link #createFolders} and
     * {@link StagingRecovery}, which leave alone what another live process is working on.
     */
    public void open() {
        createFolders();
        try {
            int requeued = requeueInterruptedDeliveries(OrphanCheck.of(record -> true));
            int removed = deleteTemporaryFiles(file -> true);
            LOG.info("Staging area {} ready: {} interrupted deliveries requeued, {} partial files removed",
                    root, requeued, removed);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the staging area " + root
                    + "; check that the data folder exists and is writable", e);
        }
    }

    public void createFolders() {
        try {
            for (Path dir : new Path[] {inbox(), work(), media(), dead(), tmp()}) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the staging folders under " + root
                    + "; check that the data folder exists and is writable", e);
        }
    }

    /** Returns a time-ordered id, so that records sorted by name are in arrival order. */
    public String newItemId() {
        byte[] random = new byte[5];
        RANDOM.nextBytes(random);
        return ITEM_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)) + "-" + HexFormat.of().formatHex(random);
    }

    public Path newTemporaryFile(String suffix) throws IOException {
        return Files.createTempFile(tmp(), "in-", suffix);
    }

    public Path mediaFile(String fileName) {
        return media().resolve(fileName);
    }

    /**
     * Hands a message over to delivery: moves its staged media (if any) into the media folder, then writes the
     * record into the inbox. The record appears last, so delivery never finds a record without its media.
     */
    public void stage(StagedMessage record, Path temporaryMedia) throws IOException {
        if (temporaryMedia != null) {
            String mediaName = record.itemId + ".media";
            Files.move(temporaryMedia, mediaFile(mediaName), StandardCopyOption.ATOMIC_MOVE);
            record.media.file = mediaName;
        }
        writeRecord(inbox().resolve(DeliveryLanes.recordFileName(record)), record);
    }

    /** Atomically replaces a record file, for example after its media was fetched. */
    public void writeRecord(Path target, StagedMessage record) throws IOException {
        Path temporary = newTemporaryFile(".json");
        try {
            mapper.writeValue(temporary.toFile(), record);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    public StagedMessage readRecord(Path file) throws IOException {
        return mapper.readValue(file.toFile(), StagedMessage.class);
    }

    /** Deletes a delivered message's media file; the record itself is removed by the file consumer. */
    public void deleteMedia(StagedMessage record) throws IOException {
        if (record.media != null && record.media.file != null) {
            Files.deleteIfExists(mediaFile(record.media.file));
        }
    }

    /**
     * Moves the records in {@code work/} that {@code orphaned} accepts back to {@code inbox/}, so that a delivery
     * interrupted by a crash is done again. The predicate may take a claim on the record, so it is called with
     * the record still in {@code work/} and must hold it until the move is done.
     */
    public int requeueInterruptedDeliveries(OrphanCheck orphaned) throws IOException {
        int count = 0;
        try (DirectoryStream<Path> records = Files.newDirectoryStream(work(), "*.json")) {
            for (Path record : records) {
                if (orphaned.moveIfOrphaned(record, () -> Files.move(record, inbox().resolve(record.getFileName()),
                        StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING))) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Deletes the files in {@code tmp/} that {@code orphaned} accepts: partial files of a process that died. */
    public int deleteTemporaryFiles(java.util.function.Predicate<Path> orphaned) throws IOException {
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp())) {
            for (Path file : files) {
                if (orphaned.test(file) && Files.deleteIfExists(file)) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Decides whether a record in {@code work/} is orphaned and, if so, moves it while that decision holds. */
    @FunctionalInterface
    public interface OrphanCheck {
        boolean moveIfOrphaned(Path record, Move move) throws IOException;

        /** Creates a check from a predicate that needs no lock around the move. */
        static OrphanCheck of(java.util.function.Predicate<Path> orphaned) {
            return (record, move) -> {
                if (!orphaned.test(record)) {
                    return false;
                }
                move.run();
                return true;
            };
        }
    }

    /** The move of one record from {@code work/} back to {@code inbox/}. */
    @FunctionalInterface
    public interface Move {
        void run() throws IOException;
    }
}
