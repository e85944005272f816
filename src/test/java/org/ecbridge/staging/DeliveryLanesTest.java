package org.ecbridge.staging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class DeliveryLanesTest {

    private static final String ITEM_ID = "20250115T101500123-a1b2c3d4e5";

    @Test
    void recordFileNameCarriesChatKey() {
        StagedMessage record = record("atendimento-exemplo", "5511900000001@s.whatsapp.net");

        String name = DeliveryLanes.recordFileName(record);

        assertTrue(name.matches(ITEM_ID + "\\.[0-9a-f]{8}\\.json"), name);
        assertEquals(ITEM_ID, DeliveryLanes.itemId(name));
        assertEquals(ITEM_ID, DeliveryClaims.itemId(name));
    }

    @Test
    void chatKeyDependsOnInstanceAndChat() {
        String key = DeliveryLanes.chatKey("sales", "5511900000001@s.whatsapp.net");

        assertEquals(key, DeliveryLanes.chatKey("sales", "5511900000001@s.whatsapp.net"));
        assertTrue(!key.equals(DeliveryLanes.chatKey("support", "5511900000001@s.whatsapp.net")));
        assertTrue(!key.equals(DeliveryLanes.chatKey("sales", "5511900000002@s.whatsapp.net")));
    }

    @Test
    void nameWithoutChatKeyGoesToLaneZero() {
        assertEquals(ITEM_ID, DeliveryLanes.itemId(ITEM_ID + ".json"));
        for (int lanes = 1; lanes <= 8; lanes++) {
            assertEquals(0, DeliveryLanes.laneOf(ITEM_ID + ".json", lanes), "lanes=" + lanes);
        }
    }

    @Test
    void laneIsChatKeyModuloLanes() {
        assertEquals(0xffffffffL % 3, DeliveryLanes.laneOf(ITEM_ID + ".ffffffff.json", 3));
        assertEquals(0x0000000aL % 4, DeliveryLanes.laneOf(ITEM_ID + ".0000000a.json", 4));
        assertEquals(0, DeliveryLanes.laneOf(ITEM_ID + ".0000000a.json", 1));
    }

    @Test
    void everyLaneCountUsesEveryLane() {
        for (int lanes = 1; lanes <= 8; lanes++) {
            Set<Integer> used = new HashSet<>();
            for (int chat = 0; chat < 200; chat++) {
                String name = DeliveryLanes.recordFileName(record("sales", "55119" + chat + "@s.whatsapp.net"));
                int lane = DeliveryLanes.laneOf(name, lanes);
                assertTrue(lane >= 0, name + " in lane " + lane);
                assertTrue(lane < lanes, name + " in lane " + lane + " of " + lanes);
                used.add(lane);
            }
            assertEquals(lanes, used.size(), "lanes used of " + lanes);
        }
    }

    @Test
    void invalidLaneCountIsRejected() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> DeliveryLanes.requireValidCount(0));
        assertTrue(zero.getMessage().contains("bridge.delivery.lanes=0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeliveryLanes.requireValidCount(65));
        assertEquals(64, DeliveryLanes.requireValidCount(64));
    }

    private static StagedMessage record(String instance, String remoteJid) {
        StagedMessage record = new StagedMessage();
        record.itemId = ITEM_ID;
        record.instance = instance;
        record.remoteJid = remoteJid;
        return record;
    }
}
