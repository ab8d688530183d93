package io.tinyfleet.compression.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.Progress;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@code prune:criterion=wanda}: the same count per layer as by magnitude, chosen by |w| times the input's norm. */
class WandaPruningTest {

    private final MagnitudePruning t = new MagnitudePruning();

    /** 4x4 images whose pixel 0 is always black; the others random. */
    private static TechniqueContext deadPixelZero() {
        Random r = new Random(9);
        int n = 200;
        byte[] px = new byte[n * 16];
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
            for (int j = 1; j < 16; j++) {
                px[i * 16 + j] = (byte) r.nextInt(256);
            }
        }
        LabeledImages data = LabeledImages.of(4, 4, px, lb);
        return new TechniqueContext(42, "tiny", data, data, Preprocessing.DEFAULT, 64, Progress.NONE, null);
    }

    /** The test MLP with the weights reading input 0 made the largest of its first layer. */
    private static OnnxModel bigWeightsOnInputZero() {
        OnnxModel m = TinyModels.mlp();
        float[] w1 = Tensors.toFloats(m.initializers().get("w1")); // [32, 16], Gemm transB=1: column = input
        for (int o = 0; o < 32; o++) {
            w1[o * 16] = 5f * (o % 2 == 0 ? 1 : -1);
        }
        Edit e = new Edit(m.graph());
        e.initializers.put("w1", Tensors.floats("w1", new long[] {32, 16}, w1));
        return m.withGraph(e.build());
    }

    @Test
    void wanda_dropsTheLargeWeightsOfADeadInput_thatMagnitudeKeeps_withTheSameCountPerLayer() {
        OnnxModel in = bigWeightsOnInputZero();
        TechniqueContext ctx = deadPixelZero();
        for (String scope : new String[] {"layer", "global"}) {
            float[] mag = Tensors.toFloats(t.apply(in, t.configure(Map.of("sparsity", "0.5", "scope", scope)), ctx)
                    .model().initializers().get("w1"));
            OnnxModel w = t.apply(in, t.configure(Map.of("sparsity", "0.5", "scope", scope, "criterion", "wanda")), ctx)
                    .model();
            float[] wan = Tensors.toFloats(w.initializers().get("w1"));
            for (int o = 0; o < 32; o++) {
                assertEquals(5f, Math.abs(mag[o * 16]), scope + ": magnitude keeps the large weights on input 0");
                assertEquals(0f, wan[o * 16], scope + ": wanda drops every weight reading the dead input");
            }
            assertEquals(zeros(mag), zeros(wan), scope + ": the layer loses as many weights either way");
            assertEquals(zeros(Tensors.toFloats(t.apply(in, t.configure(Map.of("sparsity", "0.5", "scope", scope)), ctx)
                    .model().initializers().get("w2"))), zeros(Tensors.toFloats(w.initializers().get("w2"))), scope);
        }
    }

    @Test
    void wanda_withoutImagesOfTheInputSize_isRefused_sayingWhatItNeeds() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.apply(TinyModels.mlp(),
                t.configure(Map.of("sparsity", "0.5", "criterion", "wanda")), TechniqueContext.dataFree(1)));
        assertTrue(e.getMessage().contains("criterion=wanda") && e.getMessage().contains("--data"), e.getMessage());
    }

    @Test
    void scores_readTheInputFeatureOfEachElement_forGemmBothWays_andGroupedConv() {
        double[] sq = {1, 4, 9}; // norms 1, 2, 3
        // Gemm transB=1, weight [N=2, K=3]: element (n, k) reads feature k
        var gemmT = weight("Gemm", new long[] {2, 3}, 1);
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, ActivationNorms.scores(gemmT, ones(6), sq), 1e-6f);
        // Gemm transB=0 (and MatMul), weight [K=3, N=2]: element (k, n) reads feature k
        var gemm = weight("Gemm", new long[] {3, 2}, 0);
        assertArrayEquals(new float[] {1, 1, 2, 2, 3, 3}, ActivationNorms.scores(gemm, ones(6), sq), 1e-6f);
        var matmul = weight("MatMul", new long[] {3, 2}, 0);
        assertArrayEquals(new float[] {1, 1, 2, 2, 3, 3},
                ActivationNorms.scores(matmul, new float[] {-1, -1, 1, 1, 1, 1}, sq), 1e-6f);
        // grouped Conv: 4 outputs, 2 groups of 2 input channels each, 1x1 kernels, inputs norms 1..4
        double[] sq4 = {1, 4, 9, 16};
        var conv = weight("Conv", new long[] {4, 2, 1, 1}, 0);
        assertArrayEquals(new float[] {1, 2, 1, 2, 3, 4, 3, 4}, ActivationNorms.scores(conv, ones(8), sq4), 1e-6f);
        var bad = weight("Gemm", new long[] {2, 4}, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ActivationNorms.scores(bad, ones(8), sq));
        assertTrue(e.getMessage().contains("4 input features") && e.getMessage().contains("has 3"), e.getMessage());
    }

    private static Graphs.WeightRef weight(String op, long[] dims, long transB) {
        var n = ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType(op).setName("n").addInput("x").addInput("w")
                .addOutput("y").addAttribute(io.tinyfleet.runtime.model.GraphBuilder.attr("transB", transB)).build();
        int numel = (int) java.util.Arrays.stream(dims).reduce(1, (a, b) -> a * b);
        return new Graphs.WeightRef(n, Tensors.floats("w", dims, new float[numel]));
    }

    private static float[] ones(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, 1f);
        return f;
    }

    private static long zeros(float[] v) {
        long z = 0;
        for (float x : v) {
            z += x == 0f ? 1 : 0;
        }
        return z;
    }
}
