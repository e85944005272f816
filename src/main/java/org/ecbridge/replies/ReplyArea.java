package org.ecbridge.replies;

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
 * The durable queue between the Chatwoot webhook and delivery to WhatsApp: {@code <data-dir>/replies}, with the
 * layout of the staging area. Records are written under {@code tmp/} and moved into {@code inbox/} atomically;
 * the delivery route moves a record to {@code work/} while it delivers it, and records left there by a crash
 * go back to {@code inbox/} on start. Downloads of attachments being copied into the media store are also
 * written under {@code tmp/}. Replies that could not even be reported in Chatwoot end in {@code dead/}.
 */
public final class ReplyArea {

    private static final Logger LOG = LoggerFactory.getLogger(ReplyArea.class);
    private static final DateTimeFormatter ITEM_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final ObjectMapper mapper;

    public ReplyArea(Path root, ObjectMapper mapper) {
        this.root = root;
        this.mapper = mapper;
    }

    public Path inbox() {
        return root.resolve("inbox");
    }

    public Path work() {
        return root.resolve("work");
    }

    public Path dead() {
        return root.resolve("dead");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }

    /** Creates the folders and puts back what a previous process left half done. */
    public void open() {
        try {
            for (Path dir : new Path[] {inbox(), work(), dead(), tmp()}) {
                Files.createDirectories(dir);
            }
            int requeued = 0;
            try (DirectoryStream<Path> records = Files.newDirectoryStream(work(), "*.json")) {
                for (Path record : records) {
                    Files.move(record, inbox().resolve(record.getFileName()), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    requeued++;
                }
            }
            int removed = 0;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp())) {
                for (Path file : files) {
                    Files.deleteIfExists(file);
                    removed++;
                }
            }
            LOG.info("Reply folder {} ready: {} interrupted deliveries requeued, {} partial files removed", root,
                    requeued, removed);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the reply folder " + root
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
        return Files.createTempFile(tmp(), "reply-", suffix);
    }

    /** Hands a reply over to delivery, after which the webhook may get its response. */
    public void stage(StagedReply reply) throws IOException {
        writeRecord(inbox().resolve(reply.itemId + ".json"), reply);
    }

    /** Atomically replaces a record file, for example after one of its parts was sent. */
    public void writeRecord(Path target, Object record) throws IOException {
        Path temporary = newTemporaryFile(".json");
        try {
            mapper.writeValue(temporary.toFile(), record);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    public StagedReply readRecord(Path file) throws IOException {
        return mapper.readValue(file.toFile(), StagedReply.class);
    }
}
