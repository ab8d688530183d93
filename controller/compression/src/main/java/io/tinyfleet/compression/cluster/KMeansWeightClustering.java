package io.tinyfleet.compression.cluster;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.compression.CompressionTechnique;
import io.tinyfleet.compression.ConfigField;
import io.tinyfleet.compression.ConfigSpec;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight sharing by k-means: each Conv/Gemm/MatMul weight is replaced by a codebook of k float
 * centroids and an index tensor (uint8, or uint4 at opset 21 when k &le; 16), decoded in the graph
 * by {@code Gather(codebook, Cast(indices, int32))} (Han, Mao, Dally, "Deep Compression", ICLR 2016).
 * Exact zeros (from pruning) keep a centroid of their own, so sparsity survives; fine-tuning keeps that
 * centroid at zero.
 *
 * <p>With {@code encoding=sparse} a pruned weight stores only its non-zero elements: their codebook
 * indices and the distance from the previous non-zero element as uint8 (a distance above 255 gets a
 * filler entry pointing at the zero centroid), the relative-index storage of Deep Compression
 * (section 3). All sparse weights share the two streams and one decoder of standard ops (see
 * {@link SparseIndices}), which ONNX Runtime folds at load like the dense decoder; the graph is
 * raised to opset 13 for it when needed. The separate streams of small distances and indices are
 * what zstd compresses well on the wire.
 *
 * <p>The file shrinks; runtime memory and latency do not: ONNX Runtime constant-folds the Gather
 * back into a float weight at load. With {@code finetune=N} only the centroids train, on the labels.
 * Distilling that fine-tune from a larger teacher, as the pruning steps can, was tried and lost: on the
 * MLP chain of the README (half-width student, 83 % pruned with the {@code mobile} CNN as teacher, then
 * {@code cluster:k=8,finetune=2,encoding=sparse > quantize:fp16}, seeds 42/43/44) the labels gave
 * -0.41/-0.55/-0.48 points against the fp32 MLP, distilling from {@code mobile} (T = 4, alpha = 0.7)
 * -0.49/-0.68/-0.65; on the LeNet-5 chain (seed 42) -0.27 against -0.30.
 */
public final class KMeansWeightClustering implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "cluster.kmeans";

    private static final ConfigSpec SPEC = ConfigSpec.of(ID,
            ConfigField.integer("k", null, 2, 256, "centroids per weight tensor, 2..256"),
            ConfigField.integer("finetune", 0L, 0, 100, "epochs of fine-tuning the centroids only (needs --data)"),
            ConfigField.choice("encoding", "dense: one index per weight; sparse: only the non-zero weights' indices "
                    + "plus their distances (relative indices, Deep Compression), for pruned weights", "dense", "sparse"),
            ConfigField.bool("biases", false, "also share the Conv/Gemm biases of more than 4k elements, each with "
                    + "its own codebook (dense indices)"));

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String step() {
        return "cluster";
    }

    @Override
    public int version() {
        return 3;
    }

    @Override
    public String description() {
        return "k-means weight sharing into a codebook plus uint8/uint4 indices via Gather (Han et al. 2016)";
    }

    @Override
    public ConfigSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        List<String> bad = new ArrayList<>(Graphs.customDomainNodes(model));
        if (bad.isEmpty() && model.defaultOpset() < 7) {
            bad.add("opset " + model.defaultOpset() + " is below 7; re-export the model at a newer opset");
        }
        if (bad.isEmpty() && targets(model, config.integer("k"), false).isEmpty()) {
            bad.add("no Conv, Gemm or MatMul float weight has more than k=" + config.integer("k") + " elements");
        }
        return bad;
    }

    /** Weights with more than 4k elements; with {@code biases}, also the Conv/Gemm biases that have. */
    private static List<Graphs.WeightRef> targets(OnnxModel model, int k, boolean biases) {
        List<Graphs.WeightRef> out = new ArrayList<>();
        for (Graphs.WeightRef w : Graphs.linearWeights(model)) {
            if (Tensors.numel(w.tensor()) > 4L * k) {
                out.add(w);
            }
        }
        if (biases) {
            Map<String, TensorProto> inits = model.initializers();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (NodeProto n : model.graph().getNodeList()) {
                if (n.getDomain().isEmpty() && (n.getOpType().equals("Conv") || n.getOpType().equals("Gemm"))
                        && n.getInputCount() > 2) {
                    TensorProto b = inits.get(n.getInput(2));
                    if (b != null && b.getDataType() == DataType.FLOAT_VALUE && Tensors.numel(b) > 4L * k
                            && seen.add(b.getName())) {
                        out.add(new Graphs.WeightRef(n, b));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx) {
        int k = config.integer("k");
        int epochs = config.integer("finetune");
        if (epochs > 0) {
            ctx.requireFineTuner();
        }
        List<Graphs.WeightRef> targets = targets(model, k, config.bool("biases"));
        Map<String, float[]> codebooks = new LinkedHashMap<>();
        Map<String, int[]> assignments = new LinkedHashMap<>();
        for (Graphs.WeightRef w : targets) {
            float[] v = Tensors.toFloats(w.tensor());
            float[] cb = codebook(v, k);
            codebooks.put(w.name(), cb);
            assignments.put(w.name(), KMeans1D.assign(v, cb));
        }
        List<String> notes = new ArrayList<>();
        OnnxModel source = model;
        if (epochs > 0) {
            Edit m = new Edit(model.graph());
            for (Graphs.WeightRef w : targets) {
                m.initializers.put(w.name(), Tensors.floats(w.name(), Tensors.dims(w.tensor()),
                        decode(codebooks.get(w.name()), assignments.get(w.name()))));
            }
            source = ctx.requireFineTuner().fineTune(model.withGraph(m.build()), epochs, zeroMasks(codebooks, assignments),
                    assignments, ctx, model);
            Map<String, TensorProto> tuned = source.initializers();
            for (Graphs.WeightRef w : targets) {
                float[] old = codebooks.get(w.name());
                float[] fresh = centroidMeans(Tensors.toFloats(tuned.get(w.name())), assignments.get(w.name()), old.length);
                for (int j = 0; j < old.length; j++) {
                    if (old[j] == 0f) {
                        fresh[j] = 0f; // pruned weights stay exactly zero
                    }
                }
                codebooks.put(w.name(), fresh);
            }
            notes.add("fine-tuned the centroids for " + epochs + " epoch(s)");
        }
        boolean uint4 = k <= 16 && io.tinyfleet.compression.graph.OpsetUpgrade.blockers(source, 21).isEmpty();
        if (uint4 && source.defaultOpset() < 21) {
            source = io.tinyfleet.compression.graph.OpsetUpgrade.atLeast(source, 21);
            notes.add("opset raised from " + model.defaultOpset() + " to 21 for uint4 indices; every op keeps its meaning");
        }
        boolean sparse = config.text("encoding").equals("sparse");
        if (sparse && source.defaultOpset() < SparseIndices.OPSET) {
            List<String> blockers = io.tinyfleet.compression.graph.OpsetUpgrade.blockers(source, SparseIndices.OPSET);
            if (blockers.isEmpty()) {
                notes.add("opset raised from " + source.defaultOpset() + " to " + SparseIndices.OPSET
                        + " for the sparse decoder; every op keeps its meaning");
                source = io.tinyfleet.compression.graph.OpsetUpgrade.atLeast(source, SparseIndices.OPSET);
            } else {
                sparse = false;
                notes.add("encoding=sparse needs opset " + SparseIndices.OPSET + " and the model's opset "
                        + source.defaultOpset() + " cannot be raised (" + String.join("; ", blockers)
                        + "): the indices are stored dense");
            }
        }
        Edit e = new Edit(source.graph());
        Map<String, Integer> layers = new LinkedHashMap<>();
        List<SparseIndices.Weight> sparseWeights = new ArrayList<>();
        for (Graphs.WeightRef w : targets) {
            float[] cb = codebooks.get(w.name());
            int[] idx = assignments.get(w.name());
            long[] dims = Tensors.dims(w.tensor());
            String cbName = e.fresh(w.name() + "__codebook");
            e.initializers.remove(w.name());
            e.initializers.put(cbName, Tensors.floats(cbName, new long[] {cb.length}, cb));
            int zero = zeroCentroid(cb);
            if (sparse && zero >= 0) {
                sparseWeights.add(new SparseIndices.Weight(w.name(), dims, cbName, idx, zero));
                layers.put(w.name(), cb.length);
                continue;
            }
            String idxName = e.fresh(w.name() + "__indices");
            String idx32 = e.fresh(w.name() + "__indices_i32");
            e.initializers.put(idxName, uint4 ? packUint4(idxName, dims, idx) : uint8(idxName, dims, idx));
            e.prelude.add(NodeProto.newBuilder().setOpType("Cast")
                    .addInput(idxName).addOutput(idx32).addAttribute(GraphBuilder.attr("to", (long) DataType.INT32_VALUE))
                    .build());
            e.prelude.add(NodeProto.newBuilder().setOpType("Gather")
                    .addInput(cbName).addInput(idx32).addOutput(w.name()).addAttribute(GraphBuilder.attr("axis", 0L))
                    .build());
            layers.put(w.name(), cb.length);
        }
        if (!sparseWeights.isEmpty()) {
            SparseIndices.encode(e, sparseWeights, uint4);
        }
        notes.add("the file shrinks, but ONNX Runtime constant-folds Gather(codebook, indices) back into float "
                + "weights at load: runtime memory and latency stay as before");
        // compact: these stats ship in every artifact's provenance, next to the step text that holds k
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("shared", layers.size());
        layers.values().removeIf(c -> c == k);
        if (!layers.isEmpty()) {
            stats.put("fewerCentroids", layers);
        }
        stats.put("indexType", uint4 ? "uint4" : "uint8");
        if (sparse) {
            stats.put("sparse", sparseWeights.size());
            notes.add(sparseWeights.size() + " of " + targets.size() + " weights stored sparse (the others have no zero centroid)");
        }
        return new TechniqueResult(source.withGraph(Graphs.compactDecoderNames(e.build())), stats, notes);
    }

    /** Centroids of {@code v}: exact zeros keep their own centroid when at least 1 % of values are zero. */
    static float[] codebook(float[] v, int k) {
        int zeros = 0;
        for (float x : v) {
            if (x == 0f) {
                zeros++;
            }
        }
        if (zeros * 100L >= v.length && zeros < v.length) {
            float[] nz = new float[v.length - zeros];
            int p = 0;
            for (float x : v) {
                if (x != 0f) {
                    nz[p++] = x;
                }
            }
            float[] c = KMeans1D.fit(nz, k - 1, 100);
            float[] all = new float[c.length + 1];
            System.arraycopy(c, 0, all, 0, c.length);
            all[c.length] = 0f;
            java.util.Arrays.sort(all);
            return dedupe(all);
        }
        return KMeans1D.fit(v, k, 100);
    }

    private static float[] dedupe(float[] sorted) {
        return toFloat(java.util.stream.IntStream.range(0, sorted.length)
                .filter(i -> i == 0 || sorted[i] != sorted[i - 1]).mapToDouble(i -> sorted[i]).toArray());
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** Index of the exact-zero centroid, or -1. */
    static int zeroCentroid(float[] codebook) {
        for (int j = 0; j < codebook.length; j++) {
            if (codebook[j] == 0f) {
                return j;
            }
        }
        return -1;
    }

    /** Masks (0 = frozen) for the elements tied to a zero centroid, so fine-tuning keeps pruned weights at zero. */
    private static Map<String, byte[]> zeroMasks(Map<String, float[]> codebooks, Map<String, int[]> assignments) {
        Map<String, byte[]> masks = new LinkedHashMap<>();
        codebooks.forEach((name, cb) -> {
            int zero = zeroCentroid(cb);
            if (zero >= 0) {
                int[] idx = assignments.get(name);
                byte[] m = new byte[idx.length];
                for (int i = 0; i < idx.length; i++) {
                    m[i] = (byte) (idx[i] == zero ? 0 : 1);
                }
                masks.put(name, m);
            }
        });
        return masks;
    }

    static float[] decode(float[] codebook, int[] idx) {
        float[] out = new float[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = codebook[idx[i]];
        }
        return out;
    }

    private static float[] centroidMeans(float[] v, int[] idx, int k) {
        double[] sum = new double[k];
        int[] count = new int[k];
        for (int i = 0; i < v.length; i++) {
            sum[idx[i]] += v[i];
            count[idx[i]]++;
        }
        float[] c = new float[k];
        for (int j = 0; j < k; j++) {
            c[j] = count[j] == 0 ? 0f : (float) (sum[j] / count[j]);
        }
        return c;
    }

    static TensorProto uint8(String name, long[] dims, int[] idx) {
        byte[] b = new byte[idx.length];
        for (int i = 0; i < idx.length; i++) {
            b[i] = (byte) idx[i];
        }
        return Tensors.bytes(name, DataType.UINT8, dims, b);
    }

    /** UINT4 tensor: two indices per byte, the first in the low nibble (ONNX int4 packing). */
    static TensorProto packUint4(String name, long[] dims, int[] idx) {
        byte[] b = new byte[(idx.length + 1) / 2];
        for (int i = 0; i < idx.length; i++) {
            b[i / 2] |= (byte) ((idx[i] & 0xF) << ((i % 2) * 4));
        }
        return Tensors.raw(name, DataType.UINT4, dims, b);
    }
}
