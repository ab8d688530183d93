package io.tinyfleet.agent.ota;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.proto.v1.Slot;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotManagerTest {

    @Test
    void install_goesToTheInactiveSlot_andActivateSwitchesThePointer(@TempDir Path dir) throws Exception {
        SlotManager s = new SlotManager(dir);
        assertTrue(s.active().isEmpty());
        assertEquals(Slot.SLOT_A, s.inactive());
        s.install(Slot.SLOT_A, new byte[] {1}, "d1", "m1", "v1");
        s.activate(Slot.SLOT_A);
        assertEquals("m1", s.active().orElseThrow().modelId());
        assertEquals(Slot.SLOT_B, s.inactive());
        assertThrows(IllegalStateException.class, () -> s.install(Slot.SLOT_A, new byte[] {2}, "d2", "m2", "v2"));
    }

    @Test
    void aCrashBeforeActivate_leavesTheLastGoodModelActive(@TempDir Path dir) throws Exception {
        SlotManager s = new SlotManager(dir);
        s.install(Slot.SLOT_A, new byte[] {1}, "d1", "m1", "v1");
        s.activate(Slot.SLOT_A);
        s.install(Slot.SLOT_B, new byte[] {2, 2}, "d2", "m2", "v2");
        // crash here: a new process reads the same folder
        SlotManager after = new SlotManager(dir);
        SlotManager.SlotInfo a = after.active().orElseThrow();
        assertEquals("m1", a.modelId());
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(a.modelFile()));
        assertTrue(Files.list(dir).noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }

    @Test
    void activate_refusesASlotWithoutACompleteInstall(@TempDir Path dir) throws Exception {
        SlotManager s = new SlotManager(dir);
        assertThrows(IllegalStateException.class, () -> s.activate(Slot.SLOT_B));
    }
}
