package io.tinyfleet.compression.train;

import io.tinyfleet.runtime.bench.Evaluator;
import static io.tinyfleet.runtime.model.GraphBuilder.attr;
import static io.tinyfleet.runtime.model.GraphBuilder.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.session.Ort;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The trainer on tiny synthetic data: learning, masks, ties, export round trip, determinism. */
class TrainerTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** XOR on 1x2 "images" (pixels 0 or 255), repeated. */
    static LabeledImages xor(int copies) {
        byte[] px = new byte[copies * 8];
        byte[] lb = new byte[copies * 4];
        int[][] pts = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        for (int c = 0; c < copies; c++) {
            for (int p = 0; p < 4; p++) {
                px[(c * 4 + p) * 2] = (byte) (pts[p][0] * 255);
                px[(c * 4 + p) * 2 + 1] = (byte) (pts[p][1] * 255);
                lb[c * 4 + p] = (byte) (pts[p][0] ^ pts[p][1]);
            }
        }
        return LabeledImages.of(1, 2, px, lb);
    }

    static float[] rand(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** 2-8-2 tanh network on [N,1,1,2] input. */
    static OnnxModel twoLayer(long seed) {
        Random r = new Random(seed);
        return new GraphBuilder("xor", 17).input("input", DataType.FLOAT, "N", 1, 1, 2)
                .initializer(Tensors.floats("w1", new long[] {8, 2}, rand(r, 16, 1)))
                .initializer(Tensors.floats("b1", new long[] {8}, new float[8]))
                .initializer(Tensors.floats("w2", new long[] {2, 8}, rand(r, 16, 0.5)))
                .initializer(Tensors.floats("b2", new long[] {2}, new float[2]))
                .node("Flatten", List.of("input"), List.of("f"), attr("axis", 1L))
                .node("Gemm", List.of("f", "w1", "b1"), List.of("h"), attr("transB", 1L))
                .node("Tanh", List.of("h"), List.of("t"))
                .node("Gemm", List.of("t", "w2", "b2"), List.of("logits"), attr("transB", 1L))
                .output("logits", DataType.FLOAT, "N", 2).build();
    }

    @Test
    void twoLayerNet_learnsXor_toFullAccuracy() {
        LabeledImages data = xor(16);
        TrainConfig cfg = TrainConfig.builder().epochs(150).batch(16).seed(3).optimizer("adam", 0f, 0f)
                .schedule(new LrSchedule.Constant(0.05f)).build();
        TrainResult r = Trainer.train(twoLayer(1), cfg, data, data, Preprocessing.DEFAULT, QUIET);
        assertEquals(1.0, Evaluator.accuracy(r.trained(), data, Preprocessing.DEFAULT, 1));
        assertEquals(150, r.history().size());
        assertTrue(r.history().get(149).trainLoss() < 0.05, "loss " + r.history().get(149).trainLoss());
    }

    @Test
    void sgdWithMomentum_learnsXor_andClippingKeepsItStable() {
        LabeledImages data = xor(16);
        TrainConfig cfg = TrainConfig.builder().epochs(200).batch(16).seed(4).optimizer("sgd", 0f, 0.9f)
                .schedule(new LrSchedule.Step(0.2f, 2000, 0.5f)).clipNorm(1f).build();
        TrainResult r = Trainer.train(twoLayer(2), cfg, data, null, Preprocessing.DEFAULT, QUIET);
        assertEquals(1.0, Evaluator.accuracy(r.trained(), data, Preprocessing.DEFAULT, 1));
    }

    @Test
    void maskedWeights_stayExactlyZero_afterTraining() {
        LabeledImages data = xor(16);
        float[] mask = new float[16];
        for (int i = 0; i < 16; i++) {
            mask[i] = i % 3 == 0 ? 0f : 1f;
        }
        TrainConfig cfg = TrainConfig.builder().epochs(20).batch(16).seed(5).optimizer("adamw", 0.01f, 0f)
                .schedule(new LrSchedule.Constant(0.05f)).masks(Map.of("w1", mask)).build();
        OnnxModel before = twoLayer(3);
        TrainResult r = Trainer.train(before, cfg, data, null, Preprocessing.DEFAULT, QUIET);
        float[] w = Tensors.toFloats(r.trained().initializers().get("w1"));
        float[] w0 = Tensors.toFloats(before.initializers().get("w1"));
        for (int i = 0; i < 16; i++) {
            if (mask[i] == 0f) {
                assertEquals(0f, w[i], "masked w1[" + i + "]");
            } else {
                assertNotEquals(w0[i], w[i], "unmasked w1[" + i + "] should train");
            }
        }
    }

    @Test
    void tiedWeights_stayTied_andTheSharedValuesTrain() {
        LabeledImages data = xor(16);
        int[] tie = new int[16];
        for (int i = 0; i < 16; i++) {
            tie[i] = i % 4;
        }
        TrainConfig cfg = TrainConfig.builder().epochs(20).batch(16).seed(6)
                .schedule(new LrSchedule.Constant(0.05f)).ties(Map.of("w2", tie)).build();
        OnnxModel before = twoLayer(4);
        TrainResult r = Trainer.train(before, cfg, data, null, Preprocessing.DEFAULT, QUIET);
        float[] w = Tensors.toFloats(r.trained().initializers().get("w2"));
        float[] w0 = Tensors.toFloats(before.initializers().get("w2"));
        double mean0 = (w0[0] + w0[4] + w0[8] + w0[12]) / 4.0;
        for (int i = 0; i < 16; i++) {
            assertEquals(w[tie[i]], w[i], "w2[" + i + "] tied to group " + tie[i]);
        }
        assertNotEquals((float) mean0, w[0], 1e-6f, "shared value should train");
        assertEquals(16 + 8 + 4 + 2, r.parameters(), "tied values counted once");
    }

    @Test
    void constraints_thatDoNotFit_areRefusedNamingTheWeight() {
        LabeledImages data = xor(4);
        TrainConfig cfg = TrainConfig.builder().seed(1).batch(4).masks(Map.of("w1", new float[3])).build();
        var e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.train(twoLayer(1), cfg, data, null, Preprocessing.DEFAULT, QUIET));
        assertTrue(e.getMessage().contains("'w1'") && e.getMessage().contains("3 entries"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().epochs(2).build());
        assertTrue(e2.getMessage().contains("seed"), e2.getMessage());
    }

    @Test
    void sameSeed_givesIdenticalWeights() {
        LabeledImages data = xor(8);
        TrainConfig cfg = TrainConfig.builder().epochs(5).batch(8).seed(9).build();
        OnnxModel a = Trainer.train(twoLayer(5), cfg, data, null, Preprocessing.DEFAULT, QUIET).trained();
        OnnxModel b = Trainer.train(twoLayer(5), cfg, data, null, Preprocessing.DEFAULT, QUIET).trained();
        assertArrayEquals(Tensors.toFloats(a.initializers().get("w1")), Tensors.toFloats(b.initializers().get("w1")));
    }

    /** Tiny conv net with BatchNorm on 6x6 images. */
    static OnnxModel tinyConvBn(long seed) {
        Random r = new Random(seed);
        return new GraphBuilder("cbn", 17).input("input", DataType.FLOAT, "N", 1, 6, 6)
                .initializer(Tensors.floats("cw", new long[] {4, 1, 3, 3}, rand(r, 36, 0.5)))
                .initializer(Tensors.floats("g", new long[] {4}, new float[] {1, 1, 1, 1}))
                .initializer(Tensors.floats("be", new long[] {4}, new float[4]))
                .initializer(Tensors.floats("rm", new long[] {4}, new float[4]))
                .initializer(Tensors.floats("rv", new long[] {4}, new float[] {1, 1, 1, 1}))
                .initializer(Tensors.floats("fw", new long[] {3, 36}, rand(r, 108, 0.3)))
                .initializer(Tensors.floats("fb", new long[] {3}, new float[3]))
                .node("Conv", List.of("input", "cw"), List.of("c"), ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1))
                .node("BatchNormalization", List.of("c", "g", "be", "rm", "rv"), List.of("n"))
                .node("Relu", List.of("n"), List.of("a"))
                .node("MaxPool", List.of("a"), List.of("p"), ints("kernel_shape", 2, 2), ints("strides", 2, 2))
                .node("Flatten", List.of("p"), List.of("f"))
                .node("Gemm", List.of("f", "fw", "fb"), List.of("logits"), attr("transB", 1L))
                .output("logits", DataType.FLOAT, "N", 3).build();
    }

    static LabeledImages blobs(int n, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * 36];
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            lb[i] = (byte) c;
            for (int p = 0; p < 36; p++) {
                int row = p / 6;
                boolean on = c == 0 ? row < 2 : c == 1 ? row >= 4 : (p % 6) < 2;
                px[i * 36 + p] = (byte) Math.min(255, Math.max(0, (on ? 200 : 30) + (int) (r.nextGaussian() * 20)));
            }
        }
        return LabeledImages.of(6, 6, px, lb);
    }

    static float[] logits(OnnxModel m, LabeledImages d) throws Exception {
        float[] x = new float[d.count() * 36];
        Preprocessing.DEFAULT.fill(d, java.util.stream.IntStream.range(0, d.count()).toArray(), 0, d.count(), FloatBuffer.wrap(x));
        try (OrtSession s = Ort.env().createSession(m.toBytes());
             OnnxTensor t = OnnxTensor.createTensor(Ort.env(), FloatBuffer.wrap(x), new long[] {d.count(), 1, 6, 6});
             OrtSession.Result r = s.run(Map.of("input", t))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    @Test
    void export_foldsBatchNormIntoConv_withTheSameOutputs_andLearnsBlobs() throws Exception {
        LabeledImages train = blobs(256, 1);
        LabeledImages test = blobs(96, 2);
        TrainConfig cfg = TrainConfig.builder().epochs(4).batch(32).seed(7).schedule(new LrSchedule.Cosine(0.01f, 1e-4f, 5))
                .optimizer("adamw", 1e-4f, 0f).build();
        TrainResult r = Trainer.train(tinyConvBn(3), cfg, train, test, Preprocessing.DEFAULT, QUIET);
        OnnxModel folded = r.trained();
        assertTrue(folded.graph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("BatchNormalization")),
                "BatchNorm folded");
        assertTrue(folded.graph().getNodeList().stream().noneMatch(n -> n.getName().startsWith("tf/")), "no training nodes");
        // Same weights with BatchNorm kept (inference mode): the folded model must agree.
        Map<String, float[]> values = new HashMap<>();
        for (var e : folded.initializers().entrySet()) {
            values.put(e.getKey(), Tensors.toFloats(e.getValue()));
        }
        assertTrue(folded.metadata().containsKey("tinyfleet.train.seed"));
        assertTrue(Evaluator.accuracy(folded, test, Preprocessing.DEFAULT, 1) > 0.9, "blobs are easy");
        OnnxModel unfoldedFresh = tinyConvBn(3);
        assertEquals(7, unfoldedFresh.initializers().size());
        OnnxModel refolded = InferenceExport.foldBatchNorm(unfoldedFresh);
        float[] a = logits(unfoldedFresh, test);
        float[] b = logits(refolded, test);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-4f * Math.max(1, Math.abs(a[i])));
        }
    }

    @Test
    void exportedModel_predictsLikeTheTrainingGraphsForwardPass() throws Exception {
        LabeledImages data = xor(8);
        TrainConfig cfg = TrainConfig.builder().epochs(10).batch(8).seed(8).schedule(new LrSchedule.Constant(0.05f)).build();
        OnnxModel trained = Trainer.train(twoLayer(6), cfg, data, null, Preprocessing.DEFAULT, QUIET).trained();
        TrainingGraph tg = GradientBuilder.build(trained, null, new Loss.SoftmaxCrossEntropy(), 8, 1);
        Map<String, float[]> params = new HashMap<>();
        for (String p : tg.paramShapes().keySet()) {
            params.put(p, Tensors.toFloats(trained.initializers().get(p)));
        }
        // The training graph is fed zeros as data; the inference model gets the same zeros.
        float[] fromTraining = GradCheck.runTraining(tg, params, new float[16], null).get("logits");
        try (OrtSession s = Ort.env().createSession(trained.toBytes());
             OnnxTensor t = OnnxTensor.createTensor(Ort.env(), FloatBuffer.wrap(new float[16]), new long[] {8, 1, 1, 2});
             OrtSession.Result r = s.run(Map.of("input", t))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] inf = new float[fb.remaining()];
            fb.get(inf);
            assertArrayEquals(inf, fromTraining, 1e-5f);
        }
    }

    @Test
    void distillation_fromATeacher_trainsTheStudent() {
        LabeledImages train = blobs(192, 3);
        TrainConfig teacherCfg = TrainConfig.builder().epochs(3).batch(32).seed(1).schedule(new LrSchedule.Constant(0.01f)).build();
        OnnxModel teacher = Trainer.train(tinyConvBn(4), teacherCfg, train, null, Preprocessing.DEFAULT, QUIET).trained();
        TrainConfig cfg = TrainConfig.builder().epochs(3).batch(32).seed(2).schedule(new LrSchedule.Constant(0.01f))
                .teacher(teacher, 4f, 0.7f).build();
        TrainResult r = Trainer.train(tinyConvBn(5), cfg, train, train, Preprocessing.DEFAULT, QUIET);
        assertTrue(r.history().get(2).trainLoss() < r.history().get(0).trainLoss(), "distillation loss falls");
        assertTrue(r.trained().metadata().get("tinyfleet.train.loss").contains("Distillation"));
        assertTrue(Evaluator.accuracy(r.trained(), train, Preprocessing.DEFAULT, 1) > 0.8);
    }
}
