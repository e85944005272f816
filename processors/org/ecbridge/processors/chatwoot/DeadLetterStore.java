package org.ecbridge.processors.chatwoot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecbridge.staging.DeliveryLanes;
import org.ecbridge.staging.StagedMessage;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter folder as operators see it: list dead letters, replay one or all of them, and delete those older
 * than the retention with their media. A replayed record goes back into the staging inbox and is delivered like
 * a new message.
 */
public final class DeadLetterStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);
    private static final Pattern ITEM_ID = Pattern.compile("[0-9A-Za-z_-]{1,80}");

    private final StagingArea staging;
    private final ObjectMapper mapper;
    private final Duration retention;

    public DeadLetterStore(StagingArea staging, ObjectMapper mapper, Duration retention) {
        this.staging = staging;
        this.mapper = mapper;
        this.retention = retention;
    }

    /** Returns a summary of every dead letter, oldest first: ids, file, reason and time. */
    public ArrayNode list() throws IOException {
        ArrayNode summaries = mapper.createArrayNode();
        for (Path file : files()) {
            JsonNode deadLetter = mapper.readTree(file.toFile());
            ObjectNode summary = summaries.addObject();
            for (String field : List.of("itemId", "instance", "messageId", "reason", "failedAt", "redeliveries")) {
                summary.set(field, deadLetter.get(field));
            }
            JsonNode media = deadLetter.path("message").path("media");
            if (media.isObject()) {
                summary.put("fileName", media.path("fileName").asText(null));
                summary.put("mediaKept", deadLetter.hasNonNull("mediaFile"));
            }
        }
        return summaries;
    }

    /**
     * Puts a dead letter back into the staging inbox; its delivery starts over with fresh retries.
     *
     * @throws IllegalArgumentException when there is no dead letter with that id
     */
    public String replay(String itemId) throws IOException {
        if (itemId == null || !ITEM_ID.matcher(itemId).matches()) {
            throw new IllegalArgumentException("dead letter id '" + itemId + "' is invalid");
        }
        Path file = staging.dead().resolve(itemId + ".json");
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no dead letter " + itemId + " in " + staging.dead());
        }
        StagedMessage message = mapper.treeToValue(mapper.readTree(file.toFile()).path("message"),
                StagedMessage.class);
        if (message.media != null) {
            message.media.delivery = null;
        }
        // The record file name carries the item id and the chat key of the record's delivery lane.
        message.itemId = itemId;
        staging.writeRecord(staging.inbox().resolve(DeliveryLanes.recordFileName(message)), message);
        Files.delete(file);
        LOG.info("Replaying dead letter {} (message {} of instance {})", itemId, message.messageId, message.instance);
        return itemId;
    }

    public List<String> replayAll() throws IOException {
        List<String> replayed = new ArrayList<>();
        for (Path file : files()) {
            String name = file.getFileName().toString();
            replayed.add(replay(name.substring(0, name.length() - ".json".length())));
        }
        return replayed;
    }

    /** Deletes dead letters older than the retention, with their staged media. Returns how many it deleted. */
    public int expire() throws IOException {
        Instant cutoff = Instant.now().minus(retention);
        int deleted = 0;
        for (Path file : files()) {
            if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                JsonNode media = mapper.readTree(file.toFile()).path("message").path("media");
                if (media.hasNonNull("file")) {
                    Files.deleteIfExists(staging.mediaFile(media.path("file").asText()));
                }
                Files.delete(file);
                deleted++;
            }
        }
        if (deleted > 0) {
            LOG.info("Deleted {} dead letters older than {} with their media", deleted, retention);
        }
        return deleted;
    }

    private List<Path> files() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(staging.dead(), "*.json")) {
            stream.forEach(files::add);
        }
        files.sort(null);
        return files;
    }
}
