package io.tinyfleet.compression.cluster;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Relative-index storage of clustered, pruned weights (Han, Mao, Dally, "Deep Compression", ICLR
 * 2016, section 3 and figure 3): only the non-zero elements are stored, each as its codebook index
 * and its distance (uint8, 1..255) from the previous stored element; a distance above 255 is bridged
 * by filler entries of distance 255 that point at the zero centroid.
 *
 * <p>All sparse weights of a graph share one pair of streams, laid end to end in one flat index
 * space, and one decoder; only the codebook lookup and the final reshape are per weight. One decoder
 * instead of one per weight cuts the graph's share of the wire (on the LeNet-5 chain, 40 decoder
 * nodes and 20 small tensors became 19 nodes and 12 tensors). The dense weights are rebuilt with
 * standard ONNX ops (opset 13) that ONNX Runtime constant-folds at load:
 *
 * <pre>
 *   positions = CumSum(Cast(distances, int64)) - 1
 *   values    = Concat(Gather(codebook_w, Split(Cast(indices, int32), entries per weight))...)
 *   weight_w  = Reshape(Split(ScatterElements(ConstantOfShape([total], 0.0), positions, values),
 *                             elements per weight)_w, dims_w)
 * </pre>
 *
 * Every weight holds at least one entry (an all-zero weight stores its last element, pointing at its
 * zero centroid), so no Split part is empty. Two separate streams of small integers (distances,
 * indices) compress far better with zstd than a dense index tensor that is mostly the zero
 * centroid's index.
 */
final class SparseIndices {

    /** Largest distance one entry can hold. */
    static final int MAX_GAP = 255;
    /** The opset the decoder needs (Split with its sizes as an input). */
    static final long OPSET = 13;

    private SparseIndices() {
    }

    /** One pruned, clustered weight: its codebook initializer and one codebook index per element. */
    record Weight(String name, long[] dims, String codebook, int[] idx, int zero) {
    }

    /**
     * The stored entries: distance to the previous entry and codebook index, in order, and how many
     * of them fall in each weight.
     */
    record Entries(int[] gaps, int[] indices, int[] counts) {
    }

    /** Entries of one weight {@code idx} whose zero centroid is {@code zero}. */
    static Entries entries(int[] idx, int zero) {
        return entries(List.of(idx), new int[] {zero});
    }

    /** Entries of the weights {@code idx}, laid end to end, with zero centroids {@code zero}. */
    static Entries entries(List<int[]> idx, int[] zero) {
        List<int[]> out = new ArrayList<>(); // {gap, index}
        int[] counts = new int[idx.size()];
        long last = -1;
        long offset = 0;
        for (int l = 0; l < idx.size(); l++) {
            int[] w = idx.get(l);
            for (int i = 0; i < w.length; i++) {
                if (w[i] != zero[l] || (i == w.length - 1 && counts[l] == 0)) {
                    long pos = offset + i;
                    while (pos - last > MAX_GAP) {
                        last += MAX_GAP;
                        int fl = layerOf(last, idx, l);
                        out.add(new int[] {MAX_GAP, zero[fl]});
                        counts[fl]++;
                    }
                    out.add(new int[] {(int) (pos - last), w[i]});
                    counts[l]++;
                    last = pos;
                }
            }
            offset += w.length;
        }
        return new Entries(out.stream().mapToInt(e -> e[0]).toArray(), out.stream().mapToInt(e -> e[1]).toArray(),
                counts);
    }

    /** The weight (at most {@code upTo}) whose elements hold flat position {@code pos}. */
    private static int layerOf(long pos, List<int[]> idx, int upTo) {
        long end = 0;
        for (int l = 0; l < upTo; l++) {
            end += idx.get(l).length;
            if (pos < end) {
                return l;
            }
        }
        return upTo;
    }

    /** Dense codebook indices back from single-weight entries; {@code numel} elements, the rest {@code zero}. */
    static int[] decode(Entries e, int numel, int zero) {
        int[] out = new int[numel];
        Arrays.fill(out, zero);
        int pos = -1;
        for (int i = 0; i < e.gaps().length; i++) {
            pos += e.gaps()[i];
            out[pos] = e.indices()[i];
        }
        return out;
    }

    /**
     * Replaces the initializers of {@code weights} in {@code e} by the shared sparse streams and one
     * decoder (added to the prelude); each weight's codebook must already be an initializer and the
     * graph's opset at least {@value #OPSET}.
     */
    static void encode(Edit e, List<Weight> weights, boolean uint4) {
        Entries en = entries(weights.stream().map(Weight::idx).toList(), weights.stream().mapToInt(Weight::zero).toArray());
        int n = en.gaps().length;
        byte[] g = new byte[n];
        for (int i = 0; i < n; i++) {
            g[i] = (byte) en.gaps()[i];
        }
        long[] counts = Arrays.stream(en.counts()).asLongStream().toArray();
        long[] sizes = weights.stream().mapToLong(w -> w.idx().length).toArray();
        String gaps = init(e, "sparse__gaps", name -> Tensors.bytes(name, DataType.UINT8, new long[] {n}, g));
        String indices = init(e, "sparse__indices", name -> uint4
                ? KMeansWeightClustering.packUint4(name, new long[] {n}, en.indices())
                : KMeansWeightClustering.uint8(name, new long[] {n}, en.indices()));
        String countsName = init(e, "sparse__counts", name -> Tensors.longs(name, new long[] {counts.length}, counts));
        String sizesName = init(e, "sparse__sizes", name -> Tensors.longs(name, new long[] {sizes.length}, sizes));
        String total = init(e, "sparse__total", name -> Tensors.longs(name, new long[] {1},
                new long[] {Arrays.stream(sizes).sum()}));
        String axis = init(e, "sparse__axis0", name -> Tensors.longs(name, new long[] {}, new long[] {0}));
        String one = init(e, "sparse__one", name -> Tensors.longs(name, new long[] {}, new long[] {1}));

        String g64 = e.fresh("sparse__gaps_i64");
        String cum = e.fresh("sparse__cumsum");
        String pos = e.fresh("sparse__positions");
        String i32 = e.fresh("sparse__indices_i32");
        String vals = e.fresh("sparse__values");
        String zeros = e.fresh("sparse__zeros");
        String flat = e.fresh("sparse__flat");
        e.prelude.add(node("Cast", List.of(gaps), List.of(g64), GraphBuilder.attr("to", (long) DataType.INT64_VALUE)));
        e.prelude.add(node("CumSum", List.of(g64, axis), List.of(cum)));
        e.prelude.add(node("Sub", List.of(cum, one), List.of(pos)));
        e.prelude.add(node("Cast", List.of(indices), List.of(i32), GraphBuilder.attr("to", (long) DataType.INT32_VALUE)));
        List<String> parts = new ArrayList<>();
        List<String> partValues = new ArrayList<>();
        List<String> flats = new ArrayList<>();
        for (Weight w : weights) {
            parts.add(e.fresh(w.name() + "__indices_i32"));
            partValues.add(e.fresh(w.name() + "__values"));
            flats.add(e.fresh(w.name() + "__flat"));
        }
        e.prelude.add(node("Split", List.of(i32, countsName), parts, GraphBuilder.attr("axis", 0L)));
        for (int l = 0; l < weights.size(); l++) {
            e.prelude.add(node("Gather", List.of(weights.get(l).codebook(), parts.get(l)), List.of(partValues.get(l)),
                    GraphBuilder.attr("axis", 0L)));
        }
        e.prelude.add(node("Concat", partValues, List.of(vals), GraphBuilder.attr("axis", 0L)));
        TensorProto zeroValue = Tensors.floats("value", new long[] {1}, new float[] {0f});
        e.prelude.add(node("ConstantOfShape", List.of(total), List.of(zeros),
                GraphBuilder.tensorAttr("value", zeroValue)));
        e.prelude.add(node("ScatterElements", List.of(zeros, pos, vals), List.of(flat), GraphBuilder.attr("axis", 0L)));
        e.prelude.add(node("Split", List.of(flat, sizesName), flats, GraphBuilder.attr("axis", 0L)));
        for (int l = 0; l < weights.size(); l++) {
            Weight w = weights.get(l);
            String shape = init(e, w.name() + "__shape", name -> Tensors.longs(name, new long[] {w.dims().length}, w.dims()));
            e.prelude.add(node("Reshape", List.of(flats.get(l), shape), List.of(w.name())));
        }
    }

    /** A fresh initializer name starting with {@code base}, holding the tensor {@code make} builds for it. */
    private static String init(Edit e, String base, java.util.function.Function<String, TensorProto> make) {
        String name = e.fresh(base);
        e.initializers.put(name, make.apply(name));
        return name;
    }

    /** Decoder nodes go unnamed (names are optional in ONNX): they only cost wire bytes. */
    private static NodeProto node(String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        return b.build();
    }
}
