package io.tinyfleet.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.pipeline.Pipeline.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void everyBenchChain_parses_andTheLeNetChainDistilsFromTheTeacherFile(@TempDir Path dir) throws Exception {
        TechniqueRegistry reg = TechniqueRegistry.standard();
        CompressionSuite.WIRE_CHAINS.values().forEach(c -> Pipeline.parse(c, reg));
        CompressionSuite.CHANNEL_CHAINS.values().forEach(c -> Pipeline.parse(c.formatted(2), reg));
        Pipeline.parse(CompressionSuite.QUICK_WIRE_CHAIN, reg);
        Path teacher = Files.write(dir.resolve("mobile.onnx"), new byte[] {1});
        Step prune = Pipeline.parse(CompressionSuite.LENET5_TEACHER_CHAIN.formatted(teacher), reg).steps().get(0);
        assertEquals(teacher.toString(), prune.config().text("teacher"));
        assertEquals(List.of("prune", "cluster", "quantize"),
                Pipeline.parse(CompressionSuite.LENET5_TEACHER_CHAIN.formatted(teacher), reg).steps().stream()
                        .map(x -> x.technique().step()).toList());
    }
}
