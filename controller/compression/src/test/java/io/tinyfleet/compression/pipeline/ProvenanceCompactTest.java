package io.tinyfleet.compression.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.WireSize;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProvenanceCompactTest {

    private static final String SPEC = "prune:sparsity=0.5 > quantize:fp16";

    /** A source model as the trainer and {@code train} leave it. */
    private static OnnxModel trained() {
        return TinyModels.mlp().withMetadata(Provenance.ARCH_KEY, "mlp")
                .withMetadata("tinyfleet.train.epochs", "15")
                .withMetadata("tinyfleet.train.seed", "42")
                .withMetadata("tinyfleet.train.masked", "")
                .withMetadata("tinyfleet.testAccuracy", "0.9026")
                .withMetadata("tinyfleet.session.disable_optimizers", "x");
    }

    private static Pipeline.Result run(OnnxModel in, String spec) {
        var ctx = io.tinyfleet.compression.TechniqueContractTestAccess.context("mlp");
        return Pipeline.parse(spec, TechniqueRegistry.standard()).run(in, ctx, ModelMeasurer.NONE, line -> { });
    }

    @Test
    void eachHashIsStoredOnce_andTheIdsFollowFromTheChain() {
        OnnxModel src = trained();
        Pipeline.Result r = run(src, SPEC);
        JsonNode doc = Provenance.read(r.model());
        assertEquals(2, doc.path("v").asInt());
        assertEquals(Provenance.contentSha256(src), doc.path("src").asText());
        assertFalse(doc.has("srcId"), "a source without provenance has its content hash as id");
        List<JsonNode> steps = Provenance.steps(r.model());
        assertEquals(2, steps.size());
        for (int i = 0; i < 2; i++) {
            StepRecord rec = r.steps().get(i);
            assertEquals(rec.outputSha256(), steps.get(i).path("out").asText());
            assertEquals(rec.technique() + "@" + rec.version(), steps.get(i).path("t").asText());
            assertFalse(steps.get(i).has("inputSha256"), "the input hash is the previous output");
        }
        assertEquals(r.steps().get(1).inputSha256(), steps.get(0).path("out").asText());
        String id = Provenance.contentSha256(src);
        for (Pipeline.Step s : Pipeline.parse(SPEC, TechniqueRegistry.standard()).steps()) {
            id = Provenance.outputId(id, s.technique().id(), s.technique().version(), s.config().toText(), 42);
        }
        assertEquals(r.model().metadata().get(Provenance.ID_KEY), id, "ids recomputed from the stored chain");
        assertEquals(1, r.model().metadata().get(Provenance.KEY).split(Provenance.contentSha256(src), -1).length - 1,
                "the source hash appears once");
    }

    @Test
    void reportedSizes_areThoseOfTheOutputWithItsProvenance() {
        var ctx = io.tinyfleet.compression.TechniqueContractTestAccess.context("mlp");
        ModelMeasurer sizes = m -> new Metrics(null, m.sizeBytes(), WireSize.of(m), 0, null, null);
        Pipeline.Result r = Pipeline.parse(SPEC, TechniqueRegistry.standard()).run(trained(), ctx, sizes, line -> { });
        Metrics last = r.steps().get(1).after();
        assertEquals(r.model().sizeBytes(), last.fileBytes());
        assertEquals(WireSize.of(r.model()), last.wireBytes());
        assertEquals(last, r.steps().get(1).after());
        assertEquals(r.steps().get(0).after(), r.steps().get(1).before(), "a step starts from what the previous shipped");
    }

    @Test
    void theTrainersRecordsMoveIntoTheProvenance_sessionSettingsStay() {
        Pipeline.Result r = run(trained(), "prune:sparsity=0.5");
        var meta = r.model().metadata();
        assertNull(meta.get("tinyfleet.train.epochs"), "the source's training is not the artifact's");
        assertNull(meta.get("tinyfleet.testAccuracy"));
        assertEquals("x", meta.get("tinyfleet.session.disable_optimizers"));
        assertEquals("mlp", meta.get(Provenance.ARCH_KEY));
        JsonNode srcMeta = Provenance.read(r.model()).path("srcMeta");
        assertEquals("15", srcMeta.path("train.epochs").asText());
        assertFalse(srcMeta.has("train.seed"), "the seed is the document's own");
        assertEquals("0.9026", srcMeta.path("testAccuracy").asText());
        assertFalse(srcMeta.has("train.masked"), "empty values are left out");

        OnnxModel again = run(r.model(), "quantize:fp16").model();
        JsonNode doc = Provenance.read(again);
        assertEquals("15", doc.path("srcMeta").path("train.epochs").asText(), "kept along chained runs");
        assertEquals(Provenance.contentSha256(trained()), doc.path("src").asText());
        assertFalse(doc.has("srcId"), "the source is still the trained model");
        String fp16 = Pipeline.parse("quantize:fp16", TechniqueRegistry.standard()).toText();
        assertEquals(Provenance.pipelineText(r.model()) + " > " + fp16, Provenance.pipelineText(again));
    }

    @Test
    void theVerboseFirstFormat_isStillReadAndContinued() {
        String verbose = "{\"tool\":\"tinyfleet\",\"toolVersion\":\"dev\",\"dataset\":\"d\",\"datasetSha256\":\"ds\","
                + "\"seed\":42,\"sourceSha256\":\"aa\",\"sourceId\":\"aa\",\"pipeline\":\"prune:sparsity=0.5\","
                + "\"steps\":[{\"index\":1,\"step\":\"prune:sparsity=0.5\",\"technique\":\"prune.magnitude\","
                + "\"version\":2,\"config\":{},\"inputSha256\":\"aa\",\"outputSha256\":\"bb\",\"inputId\":\"aa\","
                + "\"outputId\":\"cc\",\"before\":{\"accuracy\":0.9,\"fileBytes\":10,\"wireBytes\":9,"
                + "\"parameters\":3,\"macs\":3,\"latencyMs\":0.012345678},\"after\":null,\"millis\":12.34,"
                + "\"stats\":{\"sparsity\":0.500001},\"notes\":[\"n\"]}]}";
        OnnxModel old = TinyModels.mlp().withMetadata(Provenance.KEY, verbose).withMetadata(Provenance.ID_KEY, "cc");
        assertEquals("prune:sparsity=0.5", Provenance.pipelineText(old));
        JsonNode step = Provenance.steps(old).get(0);
        assertEquals("prune.magnitude@2", step.path("t").asText());
        assertEquals("bb", step.path("out").asText());
        assertEquals(0.5, step.path("stats").path("sparsity").asDouble());

        OnnxModel next = run(old, "quantize:fp16").model();
        JsonNode doc = Provenance.read(next);
        assertEquals("aa", doc.path("src").asText());
        assertEquals(0.0123, doc.path("srcM").path("lat").asDouble(), "latency to 3 significant digits");
        assertEquals(2, doc.path("steps").size());
        assertTrue(Provenance.pipelineText(next).startsWith("prune:sparsity=0.5 > quantize:fp16"));
    }
}
