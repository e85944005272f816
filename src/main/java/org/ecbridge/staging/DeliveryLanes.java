package org.ecbridge.staging;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;

/**
 * The split of the staging inbox into delivery lanes, each delivered by its own file consumer: the records of one
 * chat stay in one lane, in arrival order, while different lanes deliver in parallel.
 *
 * <p>A record file is named {@code <itemId>.<chatKey>.json}. The chat key is the first 8 hex digits of the
 * SHA-256 of the record's instance and remoteJid, the pair that {@code lock:chat:} locks, and it does not depend
 * on the number of lanes. The lane is the chat key modulo the number of lanes, computed each time a consumer
 * lists the inbox, so a changed {@code bridge.delivery.lanes} takes effect at the next start and strands no
 * record. A record named {@code <itemId>.json}, as staged before lanes existed, goes to lane 0.
 */
public final class DeliveryLanes {

    /** Upper bound of {@code bridge.delivery.lanes}: each lane is a polling thread and holds up to one delivery. */
    public static final int MAX_LANES = 64;

    private static final Pattern RECORD_NAME = Pattern.compile("([^.]+)(?:\\.([0-9a-f]{8}))?\\.json");

    private DeliveryLanes() {
    }

    /** Returns the stable key of a chat: 8 lower-case hex digits of the SHA-256 of {@code instance:remoteJid}. */
    public static String chatKey(String instance, String remoteJid) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((instance + ":" + remoteJid).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Returns the inbox file name of a record: {@code <itemId>.<chatKey>.json}. */
    public static String recordFileName(StagedMessage record) {
        return record.itemId + "." + chatKey(record.instance, record.remoteJid) + ".json";
    }

    /**
     * Returns the item id in a record file name, with or without a chat key: {@code 20250115T101500123-a1b2c3d4e5}
     * for both {@code 20250115T101500123-a1b2c3d4e5.0c1d2e3f.json} and {@code 20250115T101500123-a1b2c3d4e5.json}.
     */
    public static String itemId(String recordFileName) {
        Matcher name = RECORD_NAME.matcher(recordFileName);
        if (name.matches()) {
            return name.group(1);
        }
        return recordFileName.endsWith(".json") ? recordFileName.substring(0, recordFileName.length() - 5)
                : recordFileName;
    }

    /** Returns the lane, 0 to {@code lanes - 1}, of a record file; 0 for a name without a chat key. */
    public static int laneOf(String recordFileName, int lanes) {
        Matcher name = RECORD_NAME.matcher(recordFileName);
        if (!name.matches() || name.group(2) == null) {
            return 0;
        }
        return (int) (Long.parseLong(name.group(2), 16) % lanes);
    }

    /**
     * Checks a {@code bridge.delivery.lanes} value and returns it.
     *
     * @throws IllegalArgumentException when it is below 1 or above {@link #MAX_LANES}
     */
    public static int requireValidCount(long lanes) {
        if (lanes < 1 || lanes > MAX_LANES) {
            throw new IllegalArgumentException("bridge.delivery.lanes=" + lanes + " is invalid; set it to a number "
                    + "from 1 to " + MAX_LANES + " (default 4)");
        }
        return (int) lanes;
    }

    /** Creates the file consumer filter of one lane, which accepts the record files of that lane only. */
    public static GenericFileFilter<File> filter(int lane, int lanes) {
        if (lane < 0 || lane >= lanes) {
            throw new IllegalArgumentException("lane " + lane + " is outside 0 to " + (lanes - 1));
        }
        return new LaneFilter(lane, lanes);
    }

    private record LaneFilter(int lane, int lanes) implements GenericFileFilter<File> {

        @Override
        public boolean accept(GenericFile<File> file) {
            return !file.isDirectory() && laneOf(file.getFileNameOnly(), lanes) == lane;
        }
    }
}
