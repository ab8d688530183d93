package io.tinyfleet.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every registered technique passes (after Tribuo's Helpers): output loads in ONNX
 * Runtime and stays close to the input on fixed inputs, provenance is present and turns back into
 * the pipeline, the same seed gives the same output, the config round-trips and bad config names
 * the field.
 */
class TechniqueContractTest {

    /** A typical config and the relative output error allowed, per technique id. */
    static final Map<String, Object[]> SETTINGS = new LinkedHashMap<>();

    static {
        SETTINGS.put("prune.magnitude", new Object[] {Map.of("sparsity", "0.3"), 0.35});
        SETTINGS.put("distill.kd", new Object[] {Map.of(), 1.0});  // student=same: tiny models without arch are refused
        SETTINGS.put("prune.channels", new Object[] {Map.of("ratio", "0.25"), 1.0});
        SETTINGS.put("lowrank.svd", new Object[] {Map.of("energy", "0.995"), 0.1});
        SETTINGS.put("cluster.kmeans", new Object[] {Map.of("k", "16"), 0.3});
        SETTINGS.put("quantize.int8.qdq", new Object[] {Map.of(), 0.1});
        SETTINGS.put("quantize.dynamic", new Object[] {Map.of(), 0.1});
        SETTINGS.put("quantize.fp16", new Object[] {Map.of(), 0.01});
        SETTINGS.put("quantize.int4", new Object[] {Map.of("block", "16"), 0.2});
        SETTINGS.put("quantize.mixed", new Object[] {Map.of("budget", "100"), 0.1});
    }

    static Stream<Arguments> cases() {
        return TechniqueRegistry.standard().all().stream().flatMap(t -> Stream.of(
                Arguments.of(t.id(), "mlp", TinyModels.mlp()),
                Arguments.of(t.id(), "cnn", TinyModels.cnn()),
                Arguments.of(t.id(), "matmul", TinyModels.matmul())));
    }

    static CompressionTechnique technique(String id) {
        return TechniqueRegistry.standard().byId(id);
    }

    @SuppressWarnings("unchecked")
    static TechniqueConfig config(CompressionTechnique t) {
        Object[] s = SETTINGS.get(t.id());
        assertNotNull(s, "contract test has no settings for " + t.id());
        return t.configure((Map<String, String>) s[0]);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void apply_keepsContract_onTinyModels(String id, String modelName, OnnxModel model) {
        CompressionTechnique t = technique(id);
        TechniqueConfig c = config(t);
        List<String> refused = t.unsupported(model, c);
        if (!refused.isEmpty()) {
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> t.check(model, c));
            assertTrue(e.getMessage().contains(id), e.getMessage());
            return;
        }
        String inputSha = model.sha256();
        var inputs = TinyModels.inputs(model);
        float[] before = TinyModels.run(model, inputs);

        Pipeline.Result r = Pipeline.runOne(t, c, model, contextFor(modelName));
        OnnxModel out = r.model();
        assertEquals(inputSha, model.sha256(), "input must not change");
        OrtRun.load(out);
        float[] after = TinyModels.run(out, inputs);
        double err = TinyModels.relativeError(before, after);
        assertTrue(err <= (double) SETTINGS.get(id)[1], id + " on " + modelName + ": relative output error " + err);

        assertNotNull(out.metadata().get(Provenance.KEY), "provenance present");
        assertEquals(r.outputId(), out.metadata().get(Provenance.ID_KEY));
        String text = Provenance.pipelineText(out);
        assertEquals(t.stepText(c), text);
        assertEquals(text, Pipeline.parse(text, TechniqueRegistry.standard()).toText(), "provenance turns back into the pipeline");

        assertEquals(Provenance.family(model), out.metadata().get(Provenance.FAMILY_KEY),
                "the output belongs to its source's family");

        Pipeline.Result again = Pipeline.runOne(t, c, model, contextFor(modelName));
        assertEquals(r.steps().get(0).outputSha256(), again.steps().get(0).outputSha256(), "same seed, same output");
        assertEquals(r.outputId(), again.outputId());
    }

    /** Seed 42 and small labelled images shaped for the tiny model (8x8 for the CNN, 4x4 = 16 features otherwise). */
    static TechniqueContext contextFor(String modelName) {
        int side = modelName.equals("cnn") ? 8 : 4;
        java.util.Random r = new java.util.Random(9);
        int n = 200;
        byte[] px = new byte[n * side * side];
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
            for (int j = 0; j < side * side; j++) {
                px[i * side * side + j] = (byte) r.nextInt(256);
            }
        }
        var data = io.tinyfleet.runtime.data.LabeledImages.of(side, side, px, lb);
        return new TechniqueContext(42, "tiny", data, data, io.tinyfleet.runtime.data.Preprocessing.DEFAULT, 32,
                Progress.NONE, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    void config_roundTrips_throughItsValues(String id) {
        CompressionTechnique t = technique(id);
        TechniqueConfig c = config(t);
        assertEquals(c, t.configure(c.values()));
        Pipeline p = Pipeline.parse(t.stepText(c), TechniqueRegistry.standard());
        assertEquals(c, p.steps().get(0).config());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ids")
    void configure_namesTheField_whenConfigIsBad(String id) {
        CompressionTechnique t = technique(id);
        Map<String, String> bad = new LinkedHashMap<>(config(t).values());
        bad.put("no-such-field", "1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.configure(bad));
        assertTrue(e.getMessage().contains("'no-such-field'"), e.getMessage());
        for (ConfigField f : t.spec().fields()) {
            Map<String, String> wrong = new LinkedHashMap<>(config(t).values());
            wrong.put(f.name(), "not-a-value");
            IllegalArgumentException fe = assertThrows(IllegalArgumentException.class, () -> t.configure(wrong));
            assertTrue(fe.getMessage().contains("'" + f.name() + "'"), fe.getMessage());
        }
    }

    static Stream<String> ids() {
        return TechniqueRegistry.standard().all().stream().map(CompressionTechnique::id);
    }

    @Test
    void registry_findsEveryTechnique_byItsPipelineWords() {
        TechniqueRegistry reg = TechniqueRegistry.standard();
        for (CompressionTechnique t : reg.all()) {
            assertEquals(t, reg.find(t.step(), t.mode()));
            assertEquals(t, reg.byId(t.id()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reg.find("shrink", null));
        assertTrue(e.getMessage().contains("'shrink'"));
        assertFalse(reg.help().isBlank());
    }
}
