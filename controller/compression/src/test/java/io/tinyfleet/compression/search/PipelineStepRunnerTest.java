package io.tinyfleet.compression.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The search on the real compression techniques, over a tiny two-layer Gemm network. */
class PipelineStepRunnerTest {

    static OnnxModel mlp() {
        Random r = new Random(3);
        float[] w1 = new float[16 * 32];
        float[] w2 = new float[32 * 10];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) r.nextGaussian() * 0.3f;
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) r.nextGaussian() * 0.3f;
        }
        return new GraphBuilder("tiny-mlp", 17).input("x", TensorProto.DataType.FLOAT, "N", 16)
                .initializer(Tensors.floats("w1", new long[]{16, 32}, w1))
                .initializer(Tensors.floats("w2", new long[]{32, 10}, w2))
                .node("Gemm", List.of("x", "w1"), List.of("h"))
                .node("Relu", List.of("h"), List.of("a"))
                .node("Gemm", List.of("a", "w2"), List.of("y"))
                .output("y", TensorProto.DataType.FLOAT, "N", 10).build();
    }

    static final CandidateEvaluator SIZE_ONLY = m -> new Measurement(0.5, null, m.sizeBytes(), m.sizeBytes(), null, 1.0, 1L);

    @Test
    void walk_appliesRealTechniquesInTheOrderGiven_andProvenanceRecordsThatOrder() {
        PipelineStepRunner runner = new PipelineStepRunner(TechniqueRegistry.standard(), TechniqueContext.dataFree(7));
        CandidateTree tree = new CandidateTree(mlp(), runner.idOf(mlp()), runner, SIZE_ONLY, null, Integer.MAX_VALUE);
        List<Step> ab = List.of(Step.parse("prune:sparsity=0.5"), Step.parse("lowrank:rank=4"));
        List<Step> ba = List.of(Step.parse("lowrank:rank=4"), Step.parse("prune:sparsity=0.5"));
        CandidateTree.Node x = tree.walk(ab).get(1);
        CandidateTree.Node y = tree.walk(ba).get(1);
        assertNull(x.error(), x.error());
        assertNull(y.error(), y.error());
        String px = Provenance.pipelineText(tree.model(x));
        String py = Provenance.pipelineText(tree.model(y));
        assertTrue(px.startsWith("prune:") && px.contains(" > lowrank:"), px);
        assertTrue(py.startsWith("lowrank:") && py.contains(" > prune:"), py);
        assertNotEquals(x.id(), y.id(), "order changes the id");
        assertEquals(List.of("prune.magnitude", "lowrank.svd"),
                List.of(x.parent().record().get("technique"), x.record().get("technique")));
        assertEquals(Provenance.id(tree.model(x)), x.id(), "tree id = the pipeline's output id");
    }

    @Test
    void sameParentAndStep_giveTheSameIdAndRunOnce() {
        PipelineStepRunner runner = new PipelineStepRunner(TechniqueRegistry.standard(), TechniqueContext.dataFree(7));
        CandidateTree tree = new CandidateTree(mlp(), runner.idOf(mlp()), runner, SIZE_ONLY, null, Integer.MAX_VALUE);
        CandidateTree.Node a = tree.walk(List.of(Step.parse("prune:sparsity=0.5"), Step.parse("quantize:fp16"))).get(0);
        CandidateTree.Node b = tree.walk(List.of(Step.parse("prune:sparsity=0.5"), Step.parse("lowrank:rank=4"))).get(0);
        assertTrue(a == b);
        assertEquals(3, tree.stats().stepRuns());
        assertEquals(1, tree.stats().stepHits());
    }

    @Test
    void validate_refusesAnUnknownTechniqueBeforeAnythingRuns() {
        PipelineStepRunner runner = new PipelineStepRunner(TechniqueRegistry.standard(), TechniqueContext.dataFree(7));
        SearchSpace s = SearchSpace.of(List.of("shrink"), List.of(Step.parse("shrink:x=1")), java.util.Map.of(), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runner.validate(s));
        assertTrue(e.getMessage().contains("unknown step 'shrink'"), e.getMessage());
    }

    @Test
    void aRefusedStep_namesTheCandidateItFollows_andSaysWhyOnce() {
        PipelineStepRunner runner = new PipelineStepRunner(TechniqueRegistry.standard(), TechniqueContext.dataFree(7));
        CandidateTree tree = new CandidateTree(mlp(), runner.idOf(mlp()), runner, SIZE_ONLY, null, Integer.MAX_VALUE);
        List<CandidateTree.Node> path = tree.walk(List.of(Step.parse("prune:sparsity=0.5"), Step.parse("cluster:k=4"),
                Step.parse("lowrank:rank=4")));
        String error = path.get(2).error();
        String parent = path.get(1).pipeline();
        assertEquals("step 'lowrank:rank=4' failed: lowrank.svd cannot compress " + mlp().origin() + " after '"
                + parent + "': ", error.substring(0, error.indexOf(": ", error.indexOf(parent)) + 2), error);
        assertTrue(!error.contains("step 1") && !error.contains("after step"), error);
    }
}
