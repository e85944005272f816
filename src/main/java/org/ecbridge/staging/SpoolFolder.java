package org.ecbridge.staging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder Camel spools webhook bodies to. It belongs to one process: a lock on {@code .owner.lock} is held
 * for the process's lifetime, so a second process given the same folder fails at start instead of deleting the
 * first one's files. What is left in it at start is a killed process's partial bodies and is deleted.
 */
public final class SpoolFolder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolFolder.class);
    private static final String LOCK_FILE = ".owner.lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private SpoolFolder(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the folder for this process and removes orphaned spool files.
     *
     * @throws IllegalStateException when another live process uses the folder
     */
    public static SpoolFolder open(Path dir) {
        try {
            Files.createDirectories(dir);
            FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("The spool folder " + dir + " is used by another bridge process. "
                        + "Replicas may share bridge.data-dir, but each needs its own bridge.spool-dir");
            }
            SpoolFolder folder = new SpoolFolder(dir, channel, lock);
            folder.removeOrphanedFiles();
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the spool folder " + dir
                    + "; check that it exists and is writable, or set bridge.spool-dir", e);
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            LOG.debug("Releasing the lock of spool folder {} failed", dir, e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    private void removeOrphanedFiles() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (Files.isRegularFile(file) && !file.getFileName().toString().equals(LOCK_FILE)) {
                    Files.deleteIfExists(file);
                    removed++;
                }
            }
        }
        if (removed > 0) {
            LOG.info("Removed {} orphaned spool files from {}", removed, dir);
        }
    }
}
