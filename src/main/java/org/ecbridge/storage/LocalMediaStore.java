package org.ecbridge.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MediaStore} of a single bridge: files under {@code <data-dir>/media-store/}, served by the bridge
 * itself through signed, expiring links (route {@code media-links}).
 *
 * <p>Each file is {@code <key>.data} with its facts in {@code <key>.json}; both are written under {@code tmp/}
 * and moved into place, the facts last, so a key with facts always has its whole file. Files older than the
 * retention are deleted by a sweep that runs on {@link #open} and then, when a file is stored, at most once an
 * hour.
 */
public final class LocalMediaStore implements MediaStore {

    private static final Logger LOG = LoggerFactory.getLogger(LocalMediaStore.class);
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{32}");
    private static final int COPY_BUFFER_BYTES = 64 * 1024;
    private static final Duration SWEEP_INTERVAL = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final MediaLinkSigner signer;
    private final Duration retention;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final AtomicLong lastSweepMillis = new AtomicLong();

    /** A stored file and its facts, as the link route serves them. */
    public record StoredFile(Path file, StoredMedia media) {
    }

    public LocalMediaStore(Path root, MediaLinkSigner signer, Duration retention, Clock clock, ObjectMapper mapper) {
        this.root = root;
        this.signer = signer;
        this.retention = retention;
        this.clock = clock;
        this.mapper = mapper;
    }

    /** Creates the folders and removes what an interrupted copy left behind. */
    public void open() throws IOException {
        Files.createDirectories(tmp());
        try (DirectoryStream<Path> partial = Files.newDirectoryStream(tmp())) {
            for (Path file : partial) {
                Files.deleteIfExists(file);
            }
        }
        sweep();
    }

    public Path root() {
        return root;
    }

    public MediaLinkSigner signer() {
        return signer;
    }

    @Override
    public StoredMedia store(Path file, String fileName, String contentType) throws IOException {
        String key = newKey();
        Path temporary = Files.createTempFile(tmp(), key, ".part");
        StoredMedia media;
        try {
            String sha256Hex = copyWithDigest(file, temporary);
            media = new StoredMedia(key, fileName, contentType, Files.size(temporary), sha256Hex);
            Files.move(temporary, dataFile(key), StandardCopyOption.ATOMIC_MOVE);
            writeFacts(media);
        } finally {
            Files.deleteIfExists(temporary);
        }
        LOG.info("Stored {} bytes as media {} ({}, SHA-256 {})", media.sizeBytes(), key, contentType,
                media.sha256Hex());
        sweepIfDue();
        return media;
    }

    @Override
    public void requireLinks() {
        signer.requirePublicUrl();
    }

    @Override
    public URI downloadLink(StoredMedia media, Duration expiry) {
        return URI.create(signer.link(media.key(), media.fileName(), expiry));
    }

    @Override
    public void delete(String key) throws IOException {
        if (!KEY.matcher(key).matches()) {
            return;
        }
        Files.deleteIfExists(factsFile(key));
        Files.deleteIfExists(dataFile(key));
    }

    /** Returns the stored file of {@code key}, or empty when the key is malformed or not stored. */
    public Optional<StoredFile> find(String key) throws IOException {
        if (key == null || !KEY.matcher(key).matches() || !Files.exists(factsFile(key))) {
            return Optional.empty();
        }
        StoredMedia media = mapper.readValue(factsFile(key).toFile(), StoredMedia.class);
        Path data = dataFile(key);
        return Files.isRegularFile(data) ? Optional.of(new StoredFile(data, media)) : Optional.empty();
    }

    /** Deletes files stored longer ago than the retention; returns how many were deleted. */
    public int sweep() throws IOException {
        Instant cutoff = clock.instant().minus(retention);
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(root, "*.data")) {
            for (Path dataFile : files) {
                if (Files.getLastModifiedTime(dataFile).toInstant().isBefore(cutoff)) {
                    String name = dataFile.getFileName().toString();
                    delete(name.substring(0, name.length() - ".data".length()));
                    deleted++;
                }
            }
        }
        lastSweepMillis.set(clock.millis());
        if (deleted > 0) {
            LOG.info("Deleted {} media files stored more than {} ago from {}", deleted, retention, root);
        }
        return deleted;
    }

    private void sweepIfDue() {
        long last = lastSweepMillis.get();
        if (clock.millis() - last < SWEEP_INTERVAL.toMillis() || !lastSweepMillis.compareAndSet(last, clock.millis())) {
            return;
        }
        try {
            sweep();
        } catch (IOException e) {
            LOG.warn("Sweeping expired media from {} failed; it is tried again in {}", root, SWEEP_INTERVAL, e);
        }
    }

    private static String copyWithDigest(Path source, Path target) throws IOException {
        MessageDigest sha256 = newSha256();
        try (InputStream in = Files.newInputStream(source);
                OutputStream out = new DigestOutputStream(Files.newOutputStream(target), sha256)) {
            byte[] buffer = new byte[COPY_BUFFER_BYTES];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private void writeFacts(StoredMedia media) throws IOException {
        Path temporary = Files.createTempFile(tmp(), media.key(), ".json");
        try {
            mapper.writeValue(temporary.toFile(), media);
            Files.move(temporary, factsFile(media.key()), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private Path tmp() {
        return root.resolve("tmp");
    }

    private Path dataFile(String key) {
        return root.resolve(key + ".data");
    }

    private Path factsFile(String key) {
        return root.resolve(key + ".json");
    }

    private static String newKey() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
