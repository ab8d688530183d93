package io.tinyfleet.compression.prune;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.graph.Samples;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The scores of Wanda (Sun, Liu, Bair, Kolter, "A Simple and Effective Pruning Approach for Large
 * Language Models", ICLR 2024): weight {@code W_ij} scores {@code |W_ij| * ||X_j||_2}, where
 * {@code X_j} is input feature {@code j} of its layer over calibration images, so a large weight on an
 * input that is nearly always zero (a border pixel) ranks as low as it matters. The input feature of a
 * Gemm or MatMul weight element is its row of K; of a Conv weight element, its input channel (the norm
 * taken over all positions, a per-channel stand-in for Wanda's unfolded patches).
 */
final class ActivationNorms {

    private ActivationNorms() {
    }

    /**
     * Wanda scores of {@code weights} (their current values, by name) in {@code model}, the input norms
     * measured on {@code ctx.calibrationSamples()} training images.
     *
     * @throws IllegalStateException when the context holds no training images of the model's input size
     */
    static Map<String, float[]> scores(OnnxModel model, List<Graphs.WeightRef> weights, Map<String, float[]> values,
                                       TechniqueContext ctx) {
        Samples.Batches batches = Samples.of(model, ctx, ctx.calibrationSamples(), 64);
        if (!batches.realData()) {
            throw new IllegalStateException("criterion=wanda weighs each weight by its input's activations: give "
                    + "--data with images of the model's input size");
        }
        Map<String, double[]> sums = new HashMap<>(); // value name -> sum of squares per feature
        Map<String, Integer> axes = new HashMap<>();
        for (Graphs.WeightRef w : weights) {
            axes.put(w.node().getInput(0), featureAxis(w.node()));
        }
        Set<String> inputs = Graphs.realInputs(model.graph()).stream().map(v -> v.getName()).collect(Collectors.toSet());
        List<String> inner = axes.keySet().stream().filter(n -> !inputs.contains(n)).sorted().toList();
        for (Map<String, OrtRun.Value> feed : batches.feeds()) {
            feed.forEach((name, v) -> {
                if (axes.containsKey(name)) {
                    accumulate(sums, name, v, axes.get(name));
                }
            });
        }
        if (!inner.isEmpty()) {
            OrtRun.forEach(model, batches.feeds(), inner, OptLevel.BASIC_OPT,
                    row -> row.forEach((name, v) -> accumulate(sums, name, v, axes.get(name))));
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Graphs.WeightRef w : weights) {
            double[] s = sums.get(w.node().getInput(0));
            if (s == null) {
                throw new IllegalStateException("criterion=wanda: no float activations reached the input '"
                        + w.node().getInput(0) + "' of weight '" + w.name() + "'");
            }
            out.put(w.name(), scores(w, values.get(w.name()), s));
        }
        return out;
    }

    /** Axis of the input features of a weight's node input: channels for Conv, K for Gemm and MatMul. */
    static int featureAxis(NodeProto node) {
        if (node.getOpType().equals("Conv")) {
            return 1;
        }
        if (node.getOpType().equals("Gemm") && Graphs.attrInt(node, "transA", 0) != 0) {
            return 0;
        }
        return -1; // last
    }

    private static void accumulate(Map<String, double[]> sums, String name, OrtRun.Value v, int axis) {
        long[] shape = v.shape();
        int a = axis < 0 ? shape.length - 1 : axis;
        int features = (int) shape[a];
        long inner = 1;
        for (int i = a + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        double[] s = sums.computeIfAbsent(name, k -> new double[features]);
        float[] d = v.data();
        for (int i = 0; i < d.length; i++) {
            int f = (int) ((i / inner) % features);
            s[f] += (double) d[i] * d[i];
        }
    }

    /** {@code |w| * sqrt(sum of squares)} of the input feature each element of weight {@code w} reads. */
    static float[] scores(Graphs.WeightRef w, float[] v, double[] sumSquares) {
        long[] dims = w.tensor().getDimsList().stream().mapToLong(Long::longValue).toArray();
        String op = w.node().getOpType();
        int features = sumSquares.length;
        float[] norm = new float[features];
        for (int j = 0; j < features; j++) {
            norm[j] = (float) Math.sqrt(sumSquares[j]);
        }
        float[] s = new float[v.length];
        if (op.equals("Conv")) {
            long perOut = v.length / dims[0];
            long kernel = perOut / dims[1];
            long groups = features / dims[1];
            check(w, groups * dims[1] == features && dims[0] % groups == 0, features, dims[1] + " channels per group");
            long outPerGroup = dims[0] / groups;
            for (int i = 0; i < v.length; i++) {
                long m = i / perOut;
                long c = (m / outPerGroup) * dims[1] + (i % perOut) / kernel;
                s[i] = Math.abs(v[i]) * norm[(int) c];
            }
            return s;
        }
        boolean kLast = op.equals("Gemm") && Graphs.attrInt(w.node(), "transB", 0) != 0; // [N, K]
        long k = kLast ? dims[dims.length - 1] : dims[dims.length - 2];
        long n = dims[dims.length - 1];
        check(w, k == features, features, k + " input features");
        for (int i = 0; i < v.length; i++) {
            long j = kLast ? i % k : (i / n) % k;
            s[i] = Math.abs(v[i]) * norm[(int) j];
        }
        return s;
    }

    private static void check(Graphs.WeightRef w, boolean ok, int features, String expected) {
        if (!ok) {
            throw new IllegalStateException("criterion=wanda: weight '" + w.name() + "' of " + w.node().getOpType()
                    + " '" + w.node().getName() + "' expects " + expected + ", its input '" + w.node().getInput(0)
                    + "' has " + features);
        }
    }
}
