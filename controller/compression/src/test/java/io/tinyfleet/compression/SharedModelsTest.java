package io.tinyfleet.compression;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.SharedModels;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every technique on every third-party model in ../shared/models: the output still loads in ONNX
 * Runtime, or the technique refuses before work with a message naming the nodes.
 */
class SharedModelsTest {

    static final List<String> MODELS = List.of("mnist.onnx", "super_resolution_core_derived.onnx",
            "ultraface_version-RFB-320.onnx", "super_resolution_supres.onnx");

    static Stream<Arguments> cases() {
        return TechniqueRegistry.standard().all().stream()
                .flatMap(t -> MODELS.stream().map(m -> Arguments.of(t.id(), m)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void technique_compressesOrRefusesClearly_onSharedModels(String id, String file) {
        CompressionTechnique t = TechniqueRegistry.standard().byId(id);
        TechniqueConfig c = TechniqueContractTest.config(t);
        OnnxModel m = OnnxModel.load(SharedModels.file(file));
        List<String> refused = t.unsupported(m, c);
        if (file.equals("super_resolution_supres.onnx")) {
            assertTrue(refused.stream().anyMatch(s -> s.contains("ai.onnx.contrib")), refused.toString());
        }
        if (!refused.isEmpty()) {
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> t.check(m, c));
            assertTrue(e.getMessage().startsWith(id) && e.getMessage().contains(file), e.getMessage());
            return;
        }
        if (id.equals("quantize.mixed")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> t.apply(m, c, TechniqueContext.dataFree(1)));
            assertTrue(e.getMessage().contains("validation images"), e.getMessage());
            return;
        }
        TechniqueContext ctx = TechniqueContext.dataFree(1);
        ctx = new TechniqueContext(1, "none", null, null, ctx.preprocessing(), 2, null, null);
        OnnxModel out = Pipeline.runOne(t, t.configure(c.values().containsKey("samples")
                ? withSamples(c) : c.values()), m, ctx).model();
        OrtRun.load(out);
    }

    private static java.util.Map<String, String> withSamples(TechniqueConfig c) {
        java.util.Map<String, String> v = new java.util.LinkedHashMap<>(c.values());
        v.put("samples", "2");
        return v;
    }
}
