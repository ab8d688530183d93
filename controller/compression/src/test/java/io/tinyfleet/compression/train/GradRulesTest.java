package io.tinyfleet.compression.train;

import static io.tinyfleet.runtime.model.GraphBuilder.attr;
import static io.tinyfleet.runtime.model.GraphBuilder.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every gradient rule against finite differences of a double-precision Java reference. */
class GradRulesTest {

    private final Random rnd = new Random(7);

    private float[] rand(long n, double scale) {
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    private float[] positive(long n) {
        float[] a = new float[(int) n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (0.5 + rnd.nextDouble());
        }
        return a;
    }

    /** A graph whose data input is zeros and whose value "x" is a trainable initializer of that shape (so dX is checked). */
    private GraphBuilder net(long... shape) {
        Object[] dims = GradientBuilder.boxed(shape);
        return new GraphBuilder("t", 17).input("input", DataType.FLOAT, dims)
                .initializer(Tensors.floats("xoff", shape, rand(GradContext.numel(shape), 1.0)))
                .node("Add", List.of("input", "xoff"), List.of("x"));
    }

    private GraphBuilder w(GraphBuilder b, String name, long[] shape, float[] v) {
        return b.initializer(Tensors.floats(name, shape, v));
    }

    private OnnxModel out(GraphBuilder b, String value, int rank) {
        Object[] dims = new Object[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = "d" + i;
        }
        return b.node("Identity", List.of(value), List.of("logits")).output("logits", DataType.FLOAT, dims).build();
    }

    @Test
    void gemm_matchesFiniteDifferences_withTransposesAlphaBeta() throws Exception {
        GraphBuilder b = net(3, 4);
        w(b, "W", new long[] {5, 4}, rand(20, 0.5));
        w(b, "c", new long[] {5}, rand(5, 0.5));
        w(b, "V", new long[] {5, 2}, rand(10, 0.5));
        b.node("Gemm", List.of("x", "W", "c"), List.of("h"), attr("transB", 1L), attr("alpha", 0.7f), attr("beta", 1.3f));
        b.node("Transpose", List.of("h"), List.of("ht"), ints("perm", 1, 0));
        b.node("Gemm", List.of("ht", "V"), List.of("y"), attr("transA", 1L));
        GradCheck.check(out(b, "y", 2), 1);
    }

    @Test
    void matmulAndBroadcastArithmetic_matchFiniteDifferences() throws Exception {
        GraphBuilder b = net(2, 3, 4);
        w(b, "W", new long[] {4, 5}, rand(20, 0.5));
        w(b, "bias", new long[] {5}, rand(5, 0.5));
        w(b, "s", new long[] {1, 5}, rand(5, 1));
        w(b, "c", new long[] {3, 1}, rand(3, 1));
        w(b, "d", new long[] {5}, positive(5));
        b.node("MatMul", List.of("x", "W"), List.of("m"));
        b.node("Add", List.of("m", "bias"), List.of("a"));
        b.node("Mul", List.of("a", "s"), List.of("p"));
        b.node("Sub", List.of("c", "p"), List.of("q"));
        b.node("Div", List.of("q", "d"), List.of("y"));
        GradCheck.check(out(b, "y", 3), 2);
    }

    @Test
    void activationsAndSoftmax_matchFiniteDifferences() throws Exception {
        GraphBuilder b = net(3, 6);
        w(b, "W", new long[] {6, 6}, rand(36, 0.6));
        b.node("Relu", List.of("x"), List.of("r"));
        b.node("LeakyRelu", List.of("x"), List.of("l"), attr("alpha", 0.1f));
        b.node("Sigmoid", List.of("r"), List.of("s"));
        b.node("Tanh", List.of("l"), List.of("t"));
        b.node("Add", List.of("s", "t"), List.of("u"));
        b.node("MatMul", List.of("u", "W"), List.of("v"));
        b.node("Softmax", List.of("v"), List.of("sm"), attr("axis", -1L));
        b.node("LogSoftmax", List.of("v"), List.of("ls"), attr("axis", 1L));
        b.node("Add", List.of("sm", "ls"), List.of("y"));
        GradCheck.check(out(b, "y", 2), 3);
    }

    @Test
    void groupedStridedDilatedConv_matchesFiniteDifferences() throws Exception {
        GraphBuilder b = net(2, 4, 9, 8);
        w(b, "W", new long[] {6, 2, 3, 3}, rand(108, 0.4));
        w(b, "B", new long[] {6}, rand(6, 0.4));
        b.node("Conv", List.of("x", "W", "B"), List.of("y"), ints("kernel_shape", 3, 3), ints("strides", 2, 2),
                ints("pads", 1, 2, 0, 1), ints("dilations", 2, 1), attr("group", 2L));
        GradCheck.check(out(b, "y", 4), 4);
    }

    @Test
    void depthwiseConv_matchesFiniteDifferences() throws Exception {
        GraphBuilder b = net(2, 3, 6, 6);
        w(b, "W", new long[] {3, 1, 3, 3}, rand(27, 0.4));
        w(b, "P", new long[] {4, 3, 1, 1}, rand(12, 0.4));
        w(b, "Pb", new long[] {4}, rand(4, 0.4));
        b.node("Conv", List.of("x", "W"), List.of("d"), ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1),
                ints("strides", 2, 2), attr("group", 3L));
        b.node("Conv", List.of("d", "P", "Pb"), List.of("y"), ints("kernel_shape", 1, 1));
        GradCheck.check(out(b, "y", 4), 5);
    }

    @Test
    void pools_matchFiniteDifferences_tilingAndOverlappingWindows() throws Exception {
        GraphBuilder b = net(2, 2, 6, 6);
        b.node("MaxPool", List.of("x"), List.of("m1"), ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        b.node("MaxPool", List.of("x"), List.of("m2"), ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1),
                ints("strides", 2, 2));
        b.node("AveragePool", List.of("x"), List.of("a1"), ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        b.node("AveragePool", List.of("x"), List.of("a2"), ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1),
                ints("strides", 2, 2), attr("count_include_pad", 1L));
        b.node("GlobalAveragePool", List.of("x"), List.of("g"));
        b.node("Add", List.of("m1", "m2"), List.of("s1"));
        b.node("Add", List.of("a1", "a2"), List.of("s2"));
        b.node("Mul", List.of("s1", "s2"), List.of("s3"));
        b.node("Add", List.of("s3", "g"), List.of("y"));
        GradCheck.check(out(b, "y", 4), 6);
    }

    @Test
    void batchNormTrainingMode_matchesFiniteDifferences() throws Exception {
        GraphBuilder b = net(4, 3, 4, 4);
        w(b, "W", new long[] {5, 3, 3, 3}, rand(135, 0.4));
        w(b, "gamma", new long[] {5}, positive(5));
        w(b, "beta", new long[] {5}, rand(5, 0.5));
        w(b, "mean", new long[] {5}, new float[5]);
        w(b, "var", new long[] {5}, new float[] {1, 1, 1, 1, 1});
        w(b, "V", new long[] {5, 3}, rand(15, 0.5));
        b.node("Conv", List.of("x", "W"), List.of("c"), ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
        b.node("BatchNormalization", List.of("c", "gamma", "beta", "mean", "var"), List.of("n"));
        b.node("Relu", List.of("n"), List.of("r"));
        b.node("GlobalAveragePool", List.of("r"), List.of("g"));
        b.node("Flatten", List.of("g"), List.of("f"));
        b.node("MatMul", List.of("f", "V"), List.of("y"));
        OnnxModel m = out(b, "y", 2);
        assertTrue(!GradientBuilder.defaultTrainable(m).contains("mean"), "running mean must not train");
        GradCheck.check(m, 7);
        TrainingGraph tg = GradientBuilder.build(m, null, new Loss.MeanSquaredError(), 4, 1);
        assertEquals(2, tg.runningStats().size());
    }

    @Test
    void shapeOpsConcatAndGather_matchFiniteDifferences() throws Exception {
        GraphBuilder b = net(2, 3);
        w(b, "codebook", new long[] {4}, rand(4, 1));
        b.initializer(Tensors.longs("idx", new long[] {2, 3}, new long[] {0, 3, 3, 1, 0, 2}));
        b.initializer(Tensors.longs("shape", new long[] {3}, new long[] {2, 2, 3}));
        b.node("Gather", List.of("codebook", "idx"), List.of("gq"), attr("axis", 0L));
        b.node("Concat", List.of("x", "gq"), List.of("cat"), attr("axis", 1L));
        b.node("Reshape", List.of("cat", "shape"), List.of("r"));
        b.node("Mul", List.of("r", "r"), List.of("y"));
        GradCheck.check(out(b, "y", 3), 8);
    }

    @Test
    void softmaxCrossEntropy_matchesFiniteDifferences() throws Exception {
        GraphBuilder b = net(4, 5);
        w(b, "W", new long[] {3, 5}, rand(15, 0.7));
        b.node("Gemm", List.of("x", "W"), List.of("y"), attr("transB", 1L));
        GradCheck.check(out(b, "y", 2), 9, new Loss.SoftmaxCrossEntropy(), null, (z, t) -> {
            double[] lp = RefEval.softmax(new RefEval.T(z, new long[] {4, 3}), true).d();
            double s = 0;
            for (int i = 0; i < lp.length; i++) {
                s -= t[i] * lp[i];
            }
            return s / 4;
        });
    }

    @Test
    void distillationKlWithTemperature_matchesFiniteDifferences() throws Exception {
        GraphBuilder b = net(4, 5);
        w(b, "W", new long[] {3, 5}, rand(15, 0.7));
        b.node("Gemm", List.of("x", "W"), List.of("y"), attr("transB", 1L));
        float temp = 3f;
        float alpha = 0.6f;
        double[] tl = new double[12];
        for (int i = 0; i < 12; i++) {
            tl[i] = rnd.nextGaussian() * 2;
        }
        double[] pt = RefEval.softmax(new RefEval.T(RefEval.map(new RefEval.T(tl, new long[] {4, 3}), v -> v / temp).d(),
                new long[] {4, 3}), false).d();
        float[] teacher = new float[12];
        for (int i = 0; i < 12; i++) {
            teacher[i] = (float) pt[i];
        }
        GradCheck.check(out(b, "y", 2), 10, new Loss.Distillation(temp, alpha), teacher, (z, t) -> {
            double[] lq = RefEval.softmax(RefEval.map(new RefEval.T(z, new long[] {4, 3}), v -> v / temp), true).d();
            double[] lp = RefEval.softmax(new RefEval.T(z, new long[] {4, 3}), true).d();
            double kl = 0;
            double ce = 0;
            for (int i = 0; i < 12; i++) {
                double p = t[12 + i];
                kl += p * (Math.log(p) - lq[i]);
                ce -= t[i] * lp[i];
            }
            return (alpha * temp * temp * kl + (1 - alpha) * ce) / 4;
        });
    }

    @Test
    void dropout_scalesKeptGradientsAndZeroesDropped() throws Exception {
        GraphBuilder b = net(4, 50);
        b.initializer(Tensors.floats("ratio", new long[0], new float[] {0.25f}));
        b.node("Dropout", List.of("x", "ratio"), List.of("y"));
        OnnxModel m = out(b, "y", 2);
        TrainingGraph tg = GradientBuilder.build(m, List.of("xoff"), new Loss.MeanSquaredError(), 4, 3);
        float[] x = Tensors.toFloats(m.initializers().get("xoff"));
        float[] t = new float[200];
        Map<String, float[]> o = GradCheck.runTraining(tg, Map.of("xoff", x), t, null);
        float[] y = o.get("logits");
        float[] g = o.get(tg.gradients().get("xoff"));
        int dropped = 0;
        for (int i = 0; i < 200; i++) {
            if (y[i] == 0f) {
                dropped++;
                assertEquals(0.0, g[i], 0.0);
            } else {
                assertEquals(x[i] / 0.75f, y[i], 1e-5f);
                assertEquals(2 * y[i] / 200 / 0.75f, g[i], 1e-6f);
            }
        }
        assertTrue(dropped > 20 && dropped < 80, "about a quarter dropped, got " + dropped);
    }

    @Test
    void build_refusesUpFront_listingEveryNodeWithoutRule() {
        GraphBuilder b = net(2, 3);
        b.node("erf_1", "Erf", List.of("x"), List.of("e"));
        b.node("floor_1", "Floor", List.of("e"), List.of("f"));
        b.node("abs_1", "Abs", List.of("x"), List.of("a"));
        b.node("Add", List.of("f", "a"), List.of("y"));
        OnnxModel m = out(b, "y", 2);
        var e = assertThrows(IllegalArgumentException.class,
                () -> GradientBuilder.build(m, null, new Loss.MeanSquaredError(), 2, 1));
        assertTrue(e.getMessage().contains("erf_1 (Erf)") && e.getMessage().contains("abs_1 (Abs)"), e.getMessage());
    }

    @Test
    void build_refusesOldOpsets_andNamesUnknownTrainables() {
        OnnxModel old = new GraphBuilder("o", 11).input("input", DataType.FLOAT, "N", 2)
                .node("Relu", List.of("input"), List.of("y")).output("y", DataType.FLOAT, "N", 2).build();
        var e = assertThrows(IllegalArgumentException.class,
                () -> GradientBuilder.build(old, null, new Loss.MeanSquaredError(), 2, 1));
        assertTrue(e.getMessage().contains("opset 11"), e.getMessage());
        OnnxModel m = out(net(2, 3), "x", 2);
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> GradientBuilder.build(m, List.of("nope"), new Loss.MeanSquaredError(), 2, 1));
        assertTrue(e2.getMessage().contains("'nope'"), e2.getMessage());
    }
}
