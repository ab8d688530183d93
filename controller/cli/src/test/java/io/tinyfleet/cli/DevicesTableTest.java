package io.tinyfleet.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code tinyfleet devices} shows each device's tags (declared and assigned), "-" when none. */
class DevicesTableTest {

    @Test
    void table_listsTags() throws Exception {
        JsonNode devices = new ObjectMapper().readTree("""
                [{"id": "pi-1", "online": true, "lastSeen": "2026-11-29T17:00:00Z", "tags": ["eu-west", "lab"],
                  "inventory": {"cpuModel": "Cortex-A72", "logicalCores": 4, "totalMemoryBytes": 4294967296,
                                "deviceProfileId": "raspberry-pi-4"}},
                 {"id": "pi-2", "online": false, "lastSeen": "2026-11-29T17:00:00Z",
                  "inventory": {"cpuModel": "Cortex-A72", "logicalCores": 4, "totalMemoryBytes": 4294967296}}]
                """);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DevicesCommand.printTable(new PrintStream(bytes, true, StandardCharsets.UTF_8), devices);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines[0].contains("TAGS"), lines[0]);
        assertTrue(lines[1].startsWith("pi-1") && lines[1].contains("raspberry-pi-4") && lines[1].endsWith("eu-west,lab"),
                lines[1]);
        assertTrue(lines[2].startsWith("pi-2") && lines[2].endsWith("-"), lines[2]);
    }
}
