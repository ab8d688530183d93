package io.tinyfleet.runtime.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.SharedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SharedModelsInspectTest {

    static Stream<Path> models() throws IOException {
        try (Stream<Path> s = Files.list(SharedModels.dir())) {
            return s.filter(p -> p.toString().endsWith(".onnx")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void inspect_succeeds_onEverySharedModel(Path file) {
        Inspection i = Inspector.inspect(OnnxModel.load(file));
        assertTrue(i.parameters() > 0, file.toString());
        assertTrue(i.wireBytes() < i.fileBytes(), file.toString());
        assertFalse(i.opCounts().isEmpty());
    }

    @Test
    void mnist_hasItsPublishedParameterCount_andCompleteMacs() {
        Inspection i = Inspector.inspect(OnnxModel.load(SharedModels.file("mnist.onnx")));
        assertEquals(5998, i.parameters());
        assertTrue(i.macsComplete(), i.notes().toString());
        // conv 8x5x5 on 28x28 + conv 16x8x5x5 on 14x14 + MatMul 256x10
        assertEquals(28L * 28 * 8 * 25 + 14L * 14 * 16 * 8 * 25 + 256 * 10, i.macs());
        assertEquals(List.of(1L, 1L, 28L, 28L), i.inputs().get(0).shape());
    }

    @Test
    void superResolutionWithExtensions_isReportedNotRunnable_namingTheDomain() {
        Inspection i = Inspector.inspect(OnnxModel.load(SharedModels.file("super_resolution_supres.onnx")));
        assertFalse(i.runnable());
        assertTrue(i.refusal().contains("ai.onnx.contrib"), i.refusal());
    }

    @Test
    void ultraface_hasCompleteMacs() {
        Inspection i = Inspector.inspect(OnnxModel.load(SharedModels.file("ultraface_version-RFB-320.onnx")));
        assertTrue(i.macsComplete(), i.notes().toString());
        assertTrue(i.macs() > 100_000_000L, "macs " + i.macs());
    }
}
