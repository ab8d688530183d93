package io.tinyfleet.agent.mqtt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionCounterTest {

    @Test
    void next_keepsIncreasing_acrossRestarts(@TempDir Path home) {
        SessionCounter first = new SessionCounter(home);
        assertEquals(1, first.next());
        assertEquals(2, first.next());
        assertEquals(3, new SessionCounter(home).next());
    }

    @Test
    void next_jumpsAboveAnyCount_whenFileDamaged(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve("session-seq"), "garbage");
        assertTrue(new SessionCounter(home).next() > 1_000_000_000_000L);
    }
}
