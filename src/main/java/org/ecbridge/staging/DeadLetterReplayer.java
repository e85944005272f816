package org.ecbridge.staging;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts dead letters back into delivery: {@code dead/<itemId>.json} contains the staged record in its
 * {@code message} field, and replaying writes that record to {@code inbox/<itemId>.<chatKey>.json} (atomically,
 * through {@code tmp/}) and then deletes the dead letter. The media file, which stayed in {@code media/}, is reused.
 */
public final class DeadLetterReplayer {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterReplayer.class);
    /** Item ids as {@link StagingArea#newItemId()} makes them; anything else could name a path outside dead/. */
    private static final Pattern ITEM_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    private final StagingArea staging;
    private final ObjectMapper mapper;

    public DeadLetterReplayer(StagingArea staging, ObjectMapper mapper) {
        this.staging = staging;
        this.mapper = mapper;
    }

    /**
     * Replays one dead letter.
     *
     * @return false when there is no dead letter with that id
     * @throws IllegalArgumentException for an id that is not an item id, or a dead letter without a record
     */
    public boolean replay(String itemId) throws IOException {
        if (itemId == null || !ITEM_ID.matcher(itemId).matches()) {
            throw new IllegalArgumentException("'" + itemId + "' is not an item id; use the file name of a dead "
                    + "letter in " + staging.dead() + " without .json");
        }
        Path deadLetter = staging.dead().resolve(itemId + ".json");
        if (!Files.exists(deadLetter)) {
            return false;
        }

        JsonNode message = mapper.readTree(deadLetter.toFile()).get("message");
        if (message == null || !message.isObject()) {
            throw new IllegalArgumentException("dead letter " + deadLetter + " has no message record to replay");
        }
        StagedMessage record = mapper.treeToValue(message, StagedMessage.class);
        record.itemId = itemId;
        staging.writeRecord(staging.inbox().resolve(DeliveryLanes.recordFileName(record)), record);
        Files.delete(deadLetter);
        LOG.info("Dead letter {} (message {} of instance {}) moved back to the staging inbox", itemId,
                record.messageId, record.instance);
        return true;
    }

    /** Replays every dead letter and returns how many went back into the inbox. */
    public int replayAll() throws IOException {
        int replayed = 0;
        for (String itemId : itemIds()) {
            if (replay(itemId)) {
                replayed++;
            }
        }
        return replayed;
    }

    /** Returns the item ids of the dead letters, in arrival order. */
    public List<String> itemIds() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(staging.dead(), "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                ids.add(name.substring(0, name.length() - ".json".length()));
            }
        }
        ids.sort(null);
        return ids;
    }
}
