package io.tinyfleet.compression.cluster;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.Tensors;
import java.util.List;

/**
 * Relative-index storage of a clustered, pruned weight (Han, Mao, Dally, "Deep Compression", ICLR
 * 2016, section 3 and figure 3): only the non-zero elements are stored, each as its codebook index
 * and its distance (uint8, 1..255) from the previous stored element; a distance above 255 is bridged
 * by filler entries of distance 255 that point at the zero centroid. The dense weight is rebuilt in
 * the graph with standard ONNX ops that ONNX Runtime constant-folds at load:
 *
 * <pre>
 *   positions = CumSum(Cast(distances, int64)) - 1
 *   weight    = Reshape(ScatterElements(ConstantOfShape([numel], 0.0), positions,
 *                                       Gather(codebook, Cast(indices, int32))), dims)
 * </pre>
 *
 * Two separate streams of small integers (distances, indices) compress far better with zstd than a
 * dense index tensor that is mostly the zero centroid's index.
 */
final class SparseIndices {

    /** Shared int64 constants of the decoders. */
    static final String SHARED_AXIS = "sparse__axis0";
    static final String SHARED_ONE = "sparse__one";

    /** Largest distance one entry can hold. */
    static final int MAX_GAP = 255;

    private SparseIndices() {
    }

    /** The stored entries of a weight: distance to the previous entry and codebook index, in order. */
    record Entries(int[] gaps, int[] indices) {
    }

    /** Entries of {@code idx} (codebook index per element) whose zero centroid is {@code zero}. */
    static Entries entries(int[] idx, int zero) {
        int n = 0;
        int last = -1;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] != zero) {
                n += (i - last - 1) / MAX_GAP + 1;
                last = i;
            }
        }
        int[] gaps = new int[n];
        int[] ind = new int[n];
        int p = 0;
        last = -1;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] == zero) {
                continue;
            }
            int gap = i - last;
            while (gap > MAX_GAP) {
                gaps[p] = MAX_GAP;
                ind[p++] = zero;
                gap -= MAX_GAP;
            }
            gaps[p] = gap;
            ind[p++] = idx[i];
            last = i;
        }
        return new Entries(gaps, ind);
    }

    /** Dense codebook indices back from entries; {@code numel} elements, the rest {@code zero}. */
    static int[] decode(Entries e, int numel, int zero) {
        int[] out = new int[numel];
        java.util.Arrays.fill(out, zero);
        int pos = -1;
        for (int i = 0; i < e.gaps().length; i++) {
            pos += e.gaps()[i];
            out[pos] = e.indices()[i];
        }
        return out;
    }

    /**
     * Replaces initializer {@code weight} in {@code e} by the sparse streams and the decoding nodes
     * (added to the prelude); {@code codebook} must already be an initializer.
     */
    static void encode(Edit e, String weight, long[] dims, String codebook, int[] idx, int zero, boolean uint4) {
        Entries en = entries(idx, zero);
        int n = en.gaps().length;
        byte[] g = new byte[n];
        for (int i = 0; i < n; i++) {
            g[i] = (byte) en.gaps()[i];
        }
        String gaps = e.fresh(weight + "__gaps");
        String indices = e.fresh(weight + "__indices");
        String axis = shared(e, SHARED_AXIS, 0);
        String one = shared(e, SHARED_ONE, 1);
        String numel = e.fresh(weight + "__numel");
        String shape = e.fresh(weight + "__shape");
        e.initializers.put(gaps, Tensors.bytes(gaps, DataType.UINT8, new long[] {n}, g));
        e.initializers.put(indices, uint4 ? KMeansWeightClustering.packUint4(indices, new long[] {n}, en.indices())
                : KMeansWeightClustering.uint8(indices, new long[] {n}, en.indices()));
        e.initializers.put(numel, Tensors.longs(numel, new long[] {1}, new long[] {idx.length}));
        e.initializers.put(shape, Tensors.longs(shape, new long[] {dims.length}, dims));
        String g64 = e.fresh(weight + "__gaps_i64");
        String cum = e.fresh(weight + "__cumsum");
        String pos = e.fresh(weight + "__positions");
        String i32 = e.fresh(weight + "__indices_i32");
        String vals = e.fresh(weight + "__values");
        String zeros = e.fresh(weight + "__zeros");
        String flat = e.fresh(weight + "__flat");
        TensorProto zeroValue = Tensors.floats("value", new long[] {1}, new float[] {0f});
        e.prelude.add(node("Cast", List.of(gaps), g64,
                GraphBuilder.attr("to", (long) DataType.INT64_VALUE)));
        e.prelude.add(node("CumSum", List.of(g64, axis), cum));
        e.prelude.add(node("Sub", List.of(cum, one), pos));
        e.prelude.add(node("Cast", List.of(indices), i32,
                GraphBuilder.attr("to", (long) DataType.INT32_VALUE)));
        e.prelude.add(node("Gather", List.of(codebook, i32), vals, GraphBuilder.attr("axis", 0L)));
        e.prelude.add(node("ConstantOfShape", List.of(numel), zeros,
                ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("value")
                        .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.TENSOR).setT(zeroValue).build()));
        e.prelude.add(node("ScatterElements", List.of(zeros, pos, vals), flat,
                GraphBuilder.attr("axis", 0L)));
        e.prelude.add(node("Reshape", List.of(flat, shape), weight));
    }

    /** The int64 scalar {@code value} every sparse weight of the graph shares, added on first use. */
    private static String shared(Edit e, String name, long value) {
        TensorProto t = e.initializers.get(name);
        if (t == null) {
            if (e.used.contains(name)) {
                throw new IllegalStateException("name '" + name + "' is taken by something else in the graph");
            }
            e.used.add(name);
            e.initializers.put(name, Tensors.longs(name, new long[] {}, new long[] {value}));
        }
        return name;
    }

    /** Decoder nodes go unnamed (names are optional in ONNX): they only cost wire bytes. */
    private static NodeProto node(String op, List<String> inputs, String output,
                                  ai.onnx.proto.OnnxMl.AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).addAllInput(inputs).addOutput(output);
        for (var a : attrs) {
            b.addAttribute(a);
        }
        return b.build();
    }
}
