package io.tinyfleet.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompressionSuiteTest {

    @Test
    void channelsRemoved_countsLayersAlignKeptWhole_andLeavesOutLayersItCannotPrune() {
        Map<String, Object> layers = new LinkedHashMap<>();
        layers.put("stem", Map.of("channels", 16, "kept", 16, "why", "removing 8 of its 16 channels leaves no multiple of align=16 below 16"));
        layers.put("ds1_pw", Map.of("channels", 32, "kept", 16));
        layers.put("ds4_pw", Map.of("channels", 128, "kept", 64, "residualGroup", List.of("ds4_pw", "ir_project")));
        layers.put("fc_out", Map.of("kept", 10, "why", "its output 'logits' is a graph output"));
        // (16 + 16 + 64) kept of (16 + 32 + 128)
        assertEquals(0.455, CompressionSuite.channelsRemoved(Map.of("layers", layers)), 1e-9);
        assertEquals(0.0, CompressionSuite.channelsRemoved(Map.of()), 1e-9);
    }
}
