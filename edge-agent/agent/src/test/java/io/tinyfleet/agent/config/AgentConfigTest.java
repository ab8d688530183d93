package io.tinyfleet.agent.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentConfigTest {

    private static Map<String, String> minimal() {
        Map<String, String> m = new HashMap<>();
        m.put(AgentConfig.BROKER, "tcp://127.0.0.1:1883");
        m.put(AgentConfig.ID, "pi-1");
        m.put(AgentConfig.HOME, "/tmp/agent");
        return m;
    }

    @Test
    void of_appliesDefaults() {
        AgentConfig c = AgentConfig.of(minimal(), "test");
        assertEquals(Duration.ofSeconds(10), c.heartbeatInterval());
        assertEquals(30, c.keepAliveS());
        assertEquals(Path.of("/proc"), c.roots().proc());
        assertNull(c.profile());
    }

    @Test
    void of_namesKey_whenRequiredMissing() {
        Map<String, String> m = minimal();
        m.remove(AgentConfig.ID);
        assertEquals("agent config test: 'id' is required",
                assertThrows(IllegalArgumentException.class, () -> AgentConfig.of(m, "test")).getMessage());
    }

    @Test
    void of_refusesBadValues() {
        Map<String, String> m = minimal();
        m.put(AgentConfig.KEEPALIVE_S, "0");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentConfig.of(m, "t")).getMessage()
                .contains("'mqtt.keepalive.s' must be > 0"));
        m.put(AgentConfig.KEEPALIVE_S, "5");
        m.put(AgentConfig.BROKER, "localhost:1883");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentConfig.of(m, "t")).getMessage()
                .contains("'broker' must look like tcp://host:port"));
        m.put(AgentConfig.BROKER, "tcp://h:1");
        m.put(AgentConfig.ID, "a/b");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentConfig.of(m, "t")).getMessage()
                .contains("'id' must be 1-64 characters"));
    }

    @Test
    void load_flagsWinOverFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "broker=tcp://10.0.0.1:1883\nid=from-file\nhome=/h\nheartbeat.interval.s=5\n");
        AgentConfig c = AgentConfig.load(file, Map.of(AgentConfig.ID, "from-flag"));
        assertEquals("from-flag", c.deviceId());
        assertEquals("tcp://10.0.0.1:1883", c.brokerUrl());
        assertEquals(Duration.ofSeconds(5), c.heartbeatInterval());
    }

    @Test
    void load_refusesUnknownKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "brokr=tcp://h:1\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentConfig.load(file, Map.of()))
                .getMessage().contains("unknown key 'brokr'"));
    }

    @Test
    void documentedFile_parses() {
        Path documented = Path.of(System.getProperty("tinyfleet.root", "../.."), "edge-agent/agent/agent.properties");
        AgentConfig c = AgentConfig.load(documented, Map.of(AgentConfig.ID, "x", AgentConfig.HOME, "/tmp/x"));
        assertEquals(AgentConfig.defaults().get(AgentConfig.HEARTBEAT_S), Long.toString(c.heartbeatInterval().toSeconds()));
    }
}
