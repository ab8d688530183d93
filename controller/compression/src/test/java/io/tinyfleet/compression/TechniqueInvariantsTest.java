package io.tinyfleet.compression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.cluster.KMeansWeightClustering;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.lowrank.TruncatedSvdFactorization;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.prune.ChannelPruning;
import io.tinyfleet.compression.prune.MagnitudePruning;
import io.tinyfleet.compression.quantize.fp16.Fp16WeightConversion;
import io.tinyfleet.compression.quantize.qdq.StaticQdqQuantization;
import io.tinyfleet.runtime.inspect.Inspector;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What each technique promises beyond the shared contract (after TFMOT's per-technique tests). */
class TechniqueInvariantsTest {

    static final TechniqueContext CTX = TechniqueContext.dataFree(42);

    static TechniqueResult run(CompressionTechnique t, Map<String, String> cfg, OnnxModel m) {
        TechniqueConfig c = t.configure(cfg);
        t.check(m, c);
        return t.apply(m, c, CTX);
    }

    static double zeros(TensorProto t) {
        float[] v = Tensors.toFloats(t);
        int z = 0;
        for (float x : v) {
            if (x == 0f) {
                z++;
            }
        }
        return (double) z / v.length;
    }

    @Test
    void magnitude_reachesTargetSparsity_whenHalfPerLayer() {
        OnnxModel out = run(new MagnitudePruning(), Map.of("sparsity", "0.5"), TinyModels.cnn()).model();
        for (String w : new String[] {"c1w", "c2w", "fw"}) {
            assertEquals(0.5, zeros(out.initializers().get(w)), 0.02, w);
        }
        assertEquals(0.0, zeros(out.initializers().get("c1b")), "biases are not pruned");
    }

    @Test
    void magnitude_reachesTargetSparsityOverall_whenGlobal() {
        TechniqueResult r = run(new MagnitudePruning(), Map.of("sparsity", "0.8", "scope", "global"), TinyModels.mlp());
        assertEquals(0.8, (double) r.stats().get("sparsity"), 0.005);
    }

    @Test
    void magnitude_lamp_reachesOverallSparsity_andLeavesEveryLayerAWeight() {
        TechniqueResult r = run(new MagnitudePruning(), Map.of("sparsity", "0.99", "scope", "lamp"), TinyModels.cnn());
        assertEquals(0.99, (double) r.stats().get("sparsity"), 0.005);
        for (String w : new String[] {"c1w", "c2w", "fw"}) {
            assertTrue(zeros(r.model().initializers().get(w)) < 1.0, w + " keeps at least one weight");
        }
        // scores: w_u^2 / (sum of the squares of the weights at least as large); zeros score 0
        assertArrayEquals(new float[] {1f / 14, 4f / 13, 0f, 1f},
                io.tinyfleet.compression.prune.MagnitudePruningAccess.lampScores(new float[] {1f, -2f, 0f, 3f}), 1e-6f);
    }

    @Test
    void magnitude_refusesFineTune_withoutTrainer() {
        MagnitudePruning t = new MagnitudePruning();
        TechniqueConfig c = t.configure(Map.of("sparsity", "0.5", "finetune", "1"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.apply(TinyModels.mlp(), c, CTX));
        assertTrue(e.getMessage().contains("trainer"), e.getMessage());
    }

    static TechniqueContext withTinyData() {
        java.util.Random r = new java.util.Random(5);
        int n = 256;
        byte[] px = new byte[n * 16];
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            lb[i] = (byte) (i % 10);
            for (int j = 0; j < 16; j++) {
                px[i * 16 + j] = (byte) (j == lb[i] ? 200 + r.nextInt(50) : r.nextInt(60));
            }
        }
        var data = io.tinyfleet.runtime.data.LabeledImages.of(4, 4, px, lb);
        return new TechniqueContext(42, "tiny", data, data, io.tinyfleet.runtime.data.Preprocessing.DEFAULT, 32,
                Progress.NONE, FineTuners.standard());
    }

    @Test
    void magnitude_keepsZeros_whenFineTuned() {
        MagnitudePruning t = new MagnitudePruning();
        TechniqueConfig c = t.configure(Map.of("sparsity", "0.5", "finetune", "1"));
        OnnxModel out = t.apply(TinyModels.mlp(), c, withTinyData()).model();
        assertEquals(0.5, zeros(out.initializers().get("w1")), 0.01);
        assertFalse(java.util.Arrays.equals(Tensors.toFloats(out.initializers().get("b1")),
                Tensors.toFloats(TinyModels.mlp().initializers().get("b1"))), "fine-tuning changed the weights");
        OrtRun.load(out);
    }

    @Test
    void cluster_keepsKCentroids_whenFineTuned() {
        KMeansWeightClustering t = new KMeansWeightClustering();
        OnnxModel out = t.apply(TinyModels.mlp(), t.configure(Map.of("k", "4", "finetune", "1")), withTinyData()).model();
        assertEquals(4, Tensors.numel(codebookAndIndices(out, "w1")[0]));
        OrtRun.load(out);
    }

    @Test
    void channels_areReallyRemoved_withShapesAndMacsShrunk() {
        OnnxModel in = TinyModels.cnn();
        OnnxModel out = run(new ChannelPruning(), Map.of("ratio", "0.5"), in).model();
        Map<String, TensorProto> w = out.initializers();
        assertEquals(java.util.List.of(2L, 1L, 3L, 3L), w.get("c1w").getDimsList());
        assertEquals(java.util.List.of(4L, 2L, 3L, 3L), w.get("c2w").getDimsList());
        assertEquals(java.util.List.of(10L, 64L), w.get("fw").getDimsList());
        assertEquals(4L, Tensors.numel(w.get("c2b")));
        long before = Inspector.inspect(in).macs();
        long after = Inspector.inspect(out).macs();
        assertTrue(after < 0.6 * before, "MACs " + before + " -> " + after);
        OrtRun.load(out);
    }

    @Test
    void channels_compensateRemovedChannelMeans_inTheConsumersBias() {
        OnnxModel in = TinyModels.cnn();
        TechniqueResult with = run(new ChannelPruning(), Map.of("ratio", "0.5", "compensate", "true"), in);
        TechniqueResult without = run(new ChannelPruning(), Map.of("ratio", "0.5"), in);
        assertEquals(2, with.stats().get("compensatedConsumers"));
        assertFalse(java.util.Arrays.equals(Tensors.toFloats(with.model().initializers().get("fb")),
                Tensors.toFloats(without.model().initializers().get("fb"))));
        var inputs = TinyModels.inputs(in);
        double errWith = TinyModels.relativeError(TinyModels.run(in, inputs), TinyModels.run(with.model(), inputs));
        double errWithout = TinyModels.relativeError(TinyModels.run(in, inputs), TinyModels.run(without.model(), inputs));
        assertTrue(errWith < errWithout, "with " + errWith + ", without " + errWithout);
    }

    @Test
    void channels_followDepthwiseConvs_throughToTheNextLayer() {
        TechniqueResult r = run(new ChannelPruning(), Map.of("ratio", "0.5"), TinyModels.depthwise(false));
        Map<String, TensorProto> w = r.model().initializers();
        assertEquals(java.util.List.of(4L, 1L, 3L, 3L), w.get("c1w").getDimsList());
        assertEquals(java.util.List.of(4L, 1L, 3L, 3L), w.get("dww").getDimsList());
        assertEquals(java.util.List.of(8L, 4L, 1L, 1L), w.get("pww").getDimsList());
        assertEquals(java.util.List.of(10L, 8L), w.get("fw").getDimsList());
        NodeProto dw = r.model().graph().getNodeList().stream().filter(n -> n.getName().equals("dw")).findFirst().orElseThrow();
        assertEquals(4L, io.tinyfleet.compression.graph.Graphs.attrInt(dw, "group", 0));
        OrtRun.load(r.model());
        TinyModels.run(r.model(), TinyModels.inputs(r.model()));
    }

    @Test
    void channels_pruneBothSidesOfAResidualAdd_theSameChannels() {
        OnnxModel in = TinyModels.depthwise(true);
        TechniqueResult r = run(new ChannelPruning(), Map.of("ratio", "0.5"), in);
        Map<String, TensorProto> w = r.model().initializers();
        assertDims(w, "c1w", 4, 1, 3, 3);
        assertDims(w, "dww", 4, 1, 3, 3);
        assertDims(w, "pww", 4, 4, 1, 1);
        assertDims(w, "fw", 10, 4);
        Map<String, Map<String, Object>> layers = layers(r);
        assertEquals(java.util.List.of("conv1", "pw"), layers.get("conv1").get("residualGroup"));
        assertEquals(java.util.List.of("conv1", "pw"), layers.get("pw").get("residualGroup"));
        assertTrue(String.valueOf(layers.get("fc").get("why")).contains("graph output"), layers.get("fc").toString());

        // zeroing the other channels everywhere in the original gives the pruned model's outputs only if
        // both sides of the Add lost the same channels
        boolean[] keep = keptRows(in, r.model(), "c1w");
        io.tinyfleet.compression.graph.Edit zeroed = new io.tinyfleet.compression.graph.Edit(in.graph());
        for (String[] t : new String[][] {{"c1w", "0"}, {"c1b", "0"}, {"dww", "0"}, {"dwb", "0"}, {"pww", "0"},
                {"pww", "1"}, {"pwb", "0"}, {"fw", "1"}}) {
            zero(zeroed, t[0], Integer.parseInt(t[1]), keep);
        }
        var inputs = TinyModels.inputs(in);
        assertArrayEquals(TinyModels.run(in.withGraph(zeroed.build()), inputs), TinyModels.run(r.model(), inputs), 1e-5f);
        assertTrue(TinyModels.relativeError(TinyModels.run(in, inputs), TinyModels.run(r.model(), inputs)) > 0);
    }

    @Test
    void channels_alignRoundsKeptChannelsUp_andLeavesLayersItCannotShrink() {
        TechniqueResult r = run(new ChannelPruning(), Map.of("ratio", "0.75", "align", "4"), TinyModels.cnn());
        Map<String, TensorProto> w = r.model().initializers();
        // conv1 would keep 1 of 4, rounded up to 4: untouched; conv2 keeps 2 of 8, rounded up to 4
        assertDims(w, "c1w", 4, 1, 3, 3);
        assertDims(w, "c2w", 4, 4, 3, 3);
        assertDims(w, "fw", 10, 64);
        Map<String, Map<String, Object>> layers = layers(r);
        assertTrue(String.valueOf(layers.get("conv1").get("why")).contains("align=4"), layers.get("conv1").toString());
        assertEquals(4, layers.get("conv1").get("channels"), "a layer align keeps whole still counts its channels");
        assertEquals(4, layers.get("conv2").get("kept"));
        assertEquals(1, r.stats().get("prunedLayers"));
        TinyModels.run(r.model(), TinyModels.inputs(r.model()));

        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> run(new ChannelPruning(), Map.of("ratio", "0.5", "align", "8"), TinyModels.cnn()));
        assertTrue(e.getMessage().contains("removes no channel") && e.getMessage().contains("'conv2' (Conv) 8"),
                e.getMessage());
    }

    @Test
    void channels_followAConcat_eachInputLosingItsOwnChannelsInTheConsumer() {
        OnnxModel in = TinyModels.branches(1);
        TechniqueResult r = run(new ChannelPruning(), Map.of("ratio", "0.5"), in);
        Map<String, TensorProto> w = r.model().initializers();
        assertDims(w, "aw", 2, 1, 3, 3);
        assertDims(w, "bw", 2, 1, 3, 3);
        assertDims(w, "cw", 3, 4, 3, 3);
        assertDims(w, "fw", 10, 3);

        // zeroing every removed channel in the original (found by the kept filters) gives the same outputs
        boolean[] keepA = keptRows(in, r.model(), "aw");
        boolean[] keepB = keptRows(in, r.model(), "bw");
        boolean[] keepC = keptRows(in, r.model(), "cw");
        boolean[] keepCat = new boolean[8];
        for (int i = 0; i < 4; i++) {
            keepCat[i] = keepA[i];
            keepCat[4 + i] = keepB[i];
        }
        io.tinyfleet.compression.graph.Edit z = new io.tinyfleet.compression.graph.Edit(in.graph());
        zero(z, "aw", 0, keepA);
        zero(z, "ab", 0, keepA);
        zero(z, "bw", 0, keepB);
        zero(z, "bb", 0, keepB);
        zero(z, "cw", 1, keepCat);
        zero(z, "cw", 0, keepC);
        zero(z, "cb", 0, keepC);
        zero(z, "fw", 1, keepC);
        var inputs = TinyModels.inputs(in);
        assertArrayEquals(TinyModels.run(in.withGraph(z.build()), inputs), TinyModels.run(r.model(), inputs), 1e-5f);
    }

    @Test
    void channels_keepLayersFeedingAConcatOffTheChannelAxis_andSayWhy() {
        TechniqueResult r = run(new ChannelPruning(), Map.of("ratio", "0.5"), TinyModels.branches(2));
        Map<String, Map<String, Object>> layers = layers(r);
        for (String branch : new String[] {"convA", "convB"}) {
            assertTrue(String.valueOf(layers.get(branch).get("why"))
                    .contains("'cat' (Concat), which does not join known channel counts on axis 1"), layers.toString());
        }
        assertDims(r.model().initializers(), "aw", 4, 1, 3, 3);
        assertDims(r.model().initializers(), "cw", 3, 4, 3, 3);
        assertDims(r.model().initializers(), "fw", 10, 3);
    }

    /** Channel pruning's per-layer record: kept channels, and why a layer was left whole. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> layers(TechniqueResult r) {
        return (Map<String, Map<String, Object>>) r.stats().get("layers");
    }

    private static void assertDims(Map<String, TensorProto> w, String name, long... dims) {
        assertEquals(java.util.Arrays.stream(dims).boxed().toList(), w.get(name).getDimsList(), name);
    }

    /** Which rows (axis 0) of the original tensor the pruned one kept, matched by content. */
    private static boolean[] keptRows(OnnxModel in, OnnxModel out, String name) {
        TensorProto a = in.initializers().get(name);
        float[] orig = Tensors.toFloats(a);
        float[] kept = Tensors.toFloats(out.initializers().get(name));
        int rows = (int) a.getDims(0);
        int keptRows = (int) out.initializers().get(name).getDims(0);
        int per = orig.length / rows;
        int keptPer = kept.length / keptRows;
        boolean[] keep = new boolean[rows];
        for (int k = 0; k < keptRows; k++) {
            float[] row = java.util.Arrays.copyOfRange(kept, k * keptPer, k * keptPer + keptPer);
            for (int r = 0; r < rows; r++) {
                // a kept row may have lost input columns: compare its first kept values against the whole row
                float[] o = java.util.Arrays.copyOfRange(orig, r * per, r * per + per);
                if (containsInOrder(o, row)) {
                    keep[r] = true;
                }
            }
        }
        return keep;
    }

    private static boolean containsInOrder(float[] whole, float[] part) {
        int j = 0;
        for (int i = 0; i < whole.length && j < part.length; i++) {
            if (whole[i] == part[j]) {
                j++;
            }
        }
        return j == part.length;
    }

    /** Zeroes the indices of {@code axis} that {@code keep} does not mark. */
    private static void zero(io.tinyfleet.compression.graph.Edit e, String name, int axis, boolean[] keep) {
        TensorProto old = e.initializers.get(name);
        float[] v = Tensors.toFloats(old);
        long[] d = Tensors.dims(old);
        long inner = 1;
        for (int i = axis + 1; i < d.length; i++) {
            inner *= d[i];
        }
        for (int i = 0; i < v.length; i++) {
            if (!keep[(int) ((i / inner) % d[axis])]) {
                v[i] = 0;
            }
        }
        e.initializers.put(name, Tensors.floats(name, d, v));
    }

    @Test
    void channels_refuseAFlattenOfUnknownSpatialSize_beforeAnyWork_andSayWhy() {
        java.util.Random rnd = new java.util.Random(6);
        OnnxModel m = new io.tinyfleet.runtime.model.GraphBuilder("dynamic-hw", 17)
                .input("x", DataType.FLOAT, "N", 1, "H", "W")
                .initializer(Tensors.floats("c1w", new long[] {8, 1, 3, 3}, TinyModels.randn(rnd, 72, 0.4)))
                .initializer(Tensors.floats("fw", new long[] {10, 512}, TinyModels.randn(rnd, 5120, 0.3)))
                .node("conv1", "Conv", java.util.List.of("x", "c1w"), java.util.List.of("c1"),
                        io.tinyfleet.runtime.model.GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("flat", "Flatten", java.util.List.of("c1"), java.util.List.of("f"))
                .node("fc", "Gemm", java.util.List.of("f", "fw"), java.util.List.of("y"),
                        io.tinyfleet.runtime.model.GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", 10)
                .build();
        // 512 = 8 channels x 64 features only if H x W is 8 x 8; nothing in the graph says so
        ChannelPruning t = new ChannelPruning();
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> t.check(m, t.configure(Map.of("ratio", "0.5"))));
        assertTrue(e.getMessage().contains("'conv1' (Conv)")
                && e.getMessage().contains("the shape of 'c1' is not known statically"), e.getMessage());
    }

    @Test
    void channels_refuseAResidualAddWhoseOtherSideNoLayerProduces_andSayWhy() {
        java.util.Random rnd = new java.util.Random(5);
        OnnxModel m = new io.tinyfleet.runtime.model.GraphBuilder("join-input", 17)
                .input("x", DataType.FLOAT, "N", 1, 8, 8)
                .initializer(Tensors.floats("c1w", new long[] {8, 1, 3, 3}, TinyModels.randn(rnd, 72, 0.4)))
                .initializer(Tensors.floats("fw", new long[] {10, 8}, TinyModels.randn(rnd, 80, 0.3)))
                .node("conv1", "Conv", java.util.List.of("x", "c1w"), java.util.List.of("c1"),
                        io.tinyfleet.runtime.model.GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("add", "Add", java.util.List.of("c1", "x"), java.util.List.of("s"))
                .node("gap", "GlobalAveragePool", java.util.List.of("s"), java.util.List.of("g"))
                .node("flat", "Flatten", java.util.List.of("g"), java.util.List.of("f"))
                .node("fc", "Gemm", java.util.List.of("f", "fw"), java.util.List.of("y"),
                        io.tinyfleet.runtime.model.GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", 10)
                .build();
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> run(new ChannelPruning(), Map.of("ratio", "0.5"), m));
        assertTrue(e.getMessage().contains("'conv1' (Conv)") && e.getMessage().contains("'add' (Add)")
                && e.getMessage().contains("'x'") && e.getMessage().contains("residual")
                && e.getMessage().contains("'fc' (Gemm)"), e.getMessage());
    }

    @Test
    void channels_keepTheHighestNormFilters_exactlyAsTheyWere() {
        OnnxModel in = TinyModels.mlp();
        OnnxModel out = run(new ChannelPruning(), Map.of("ratio", "0.5", "criterion", "l2"), in).model();
        float[] before = Tensors.toFloats(in.initializers().get("w1"));
        float[] after = Tensors.toFloats(out.initializers().get("w1"));
        assertEquals(16 * 16, after.length);
        // every kept row is a row of the original
        for (int r = 0; r < 16; r++) {
            boolean found = false;
            for (int o = 0; o < 32 && !found; o++) {
                found = java.util.Arrays.equals(java.util.Arrays.copyOfRange(after, r * 16, r * 16 + 16),
                        java.util.Arrays.copyOfRange(before, o * 16, o * 16 + 16));
            }
            assertTrue(found, "row " + r);
        }
    }

    @Test
    void channels_refuseLayer_whenOnlyTheOutputLayerExists() {
        OnnxModel single = new io.tinyfleet.runtime.model.GraphBuilder("one", 17)
                .input("x", DataType.FLOAT, "N", 4)
                .initializer(Tensors.floats("w", new long[] {4, 3}, new float[12]))
                .node("only", "MatMul", java.util.List.of("x", "w"), java.util.List.of("y"))
                .output("y", DataType.FLOAT, "N", 3).build();
        ChannelPruning t = new ChannelPruning();
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> t.check(single, t.configure(Map.of("ratio", "0.5"))));
        assertTrue(e.getMessage().contains("'only' (MatMul)") && e.getMessage().contains("graph output"), e.getMessage());
    }

    @Test
    void lowrank_makesRankLower_andSkipsLayersThatWouldGrow() {
        TechniqueResult r = run(new TruncatedSvdFactorization(), Map.of("rank", "3"), TinyModels.mlp());
        Map<String, TensorProto> w = r.model().initializers();
        assertFalse(w.containsKey("w1"));
        long factorParams = w.entrySet().stream().filter(x -> x.getKey().startsWith("w1__svd"))
                .mapToLong(x -> Tensors.numel(x.getValue())).sum();
        assertEquals(3 * (32 + 16), factorParams);
        TechniqueResult full = run(new TruncatedSvdFactorization(), Map.of("rank", "1000"), TinyModels.mlp());
        assertEquals(0, full.stats().get("factorised"));
    }

    @Test
    void lowrank_isExact_atFullEnergy() {
        OnnxModel in = TinyModels.mlp();
        OnnxModel out = run(new TruncatedSvdFactorization(), Map.of("rank", "4"), in).model();
        OrtRun.load(out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TruncatedSvdFactorization().configure(Map.of("rank", "2", "energy", "0.9")));
        assertTrue(e.getMessage().contains("'rank'") && e.getMessage().contains("'energy'"), e.getMessage());
    }

    @Test
    void cluster_hasKCentroids_andIndicesInRange() {
        OnnxModel out = run(new KMeansWeightClustering(), Map.of("k", "8"), TinyModels.cnn()).model();
        Map<String, TensorProto> w = out.initializers();
        TensorProto cb = codebookAndIndices(out, "c2w")[0];
        TensorProto idx = codebookAndIndices(out, "c2w")[1];
        assertEquals(8, Tensors.numel(cb));
        assertEquals(DataType.UINT4_VALUE, idx.getDataType(), "k <= 16 packs indices as uint4 at opset 21");
        assertEquals(21, out.defaultOpset());
        for (byte b : idx.getRawData().toByteArray()) {
            assertTrue((b & 0x0F) < 8 && ((b >> 4) & 0x0F) < 8);
        }
        OnnxModel wide = run(new KMeansWeightClustering(), Map.of("k", "64"), TinyModels.cnn()).model();
        TensorProto idx8 = codebookAndIndices(wide, "c2w")[1];
        assertEquals(DataType.UINT8_VALUE, idx8.getDataType());
        for (byte b : idx8.getRawData().toByteArray()) {
            assertTrue((b & 0xFF) < 64);
        }
    }

    @Test
    void magnitude_reachesSparsityInCubicSteps_whenGradual() {
        MagnitudePruning t = new MagnitudePruning();
        TechniqueResult r = t.apply(TinyModels.mlp(), t.configure(Map.of("sparsity", "0.8", "steps", "3", "finetune",
                "1")), withTinyData());
        assertEquals(0.8, zeros(r.model().initializers().get("w1")), 0.01);
        // s_t = 0.8 (1 - (1 - t/3)^3): 0.563, 0.770, 0.8
        assertEquals(java.util.List.of(0.563, 0.7704, 0.8), r.stats().get("schedule"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.configure(Map.of("sparsity", "0.8", "steps", "3")));
        assertTrue(e.getMessage().contains("'steps'") && e.getMessage().contains("'finetune'"), e.getMessage());
    }

    @Test
    void cluster_sparseEncoding_rebuildsTheSameWeights_andKeepsZeroCentroidWhenFineTuned() {
        OnnxModel pruned = run(new MagnitudePruning(), Map.of("sparsity", "0.9"), TinyModels.mlp()).model();
        OnnxModel dense = run(new KMeansWeightClustering(), Map.of("k", "8"), pruned).model();
        OnnxModel sparse = run(new KMeansWeightClustering(), Map.of("k", "8", "encoding", "sparse"), pruned).model();
        var inputs = TinyModels.inputs(pruned);
        assertEquals(0.0, TinyModels.relativeError(TinyModels.run(dense, inputs), TinyModels.run(sparse, inputs)), 1e-6);
        TensorProto[] streams = sparseStreams(sparse);
        assertEquals(DataType.UINT8_VALUE, streams[0].getDataType());
        long denseBytes = codebookAndIndices(dense, "w1")[1].getRawData().size()
                + codebookAndIndices(dense, "w2")[1].getRawData().size();
        long sparseBytes = streams[0].getRawData().size() + streams[1].getRawData().size();
        assertTrue(sparseBytes < 0.5 * denseBytes, "indices " + denseBytes + " B dense, " + sparseBytes + " B sparse");
        assertEquals(1, sparse.graph().getNodeList().stream().filter(n -> n.getOpType().equals("ScatterElements")).count(),
                "one decoder for every sparse weight");
        KMeansWeightClustering t = new KMeansWeightClustering();
        OnnxModel tuned = t.apply(pruned, t.configure(Map.of("k", "8", "finetune", "1", "encoding", "sparse")),
                withTinyData()).model();
        for (var n : tuned.graph().getNodeList()) {
            if (n.getOpType().equals("Gather")) {
                float[] cb = Tensors.toFloats(tuned.initializers().get(n.getInput(0)));
                assertTrue(java.util.stream.IntStream.range(0, cb.length).anyMatch(i -> cb[i] == 0f), "zero centroid kept");
            }
        }
        OrtRun.load(tuned);
    }

    @Test
    void sparseIndices_bridgeLongGapsWithZeroFillers() {
        int[] idx = new int[700];
        java.util.Arrays.fill(idx, 3);
        idx[5] = 1;
        idx[699] = 2;
        var e = io.tinyfleet.compression.cluster.SparseIndicesAccess.entries(idx, 3);
        // 5 -> 699 is 694 apart: two fillers of 255 then 184
        assertArrayEquals(new int[] {6, 255, 255, 184}, e[0]);
        assertArrayEquals(new int[] {1, 3, 3, 2}, e[1]);
        assertArrayEquals(idx, io.tinyfleet.compression.cluster.SparseIndicesAccess.decode(e, 700, 3));
    }

    @Test
    void sparseIndices_shareOneStreamAcrossWeights_fillersPointAtTheirOwnWeightsZero() {
        int[] a = new int[300]; // all zero centroid (0): stores only its last element
        int[] b = new int[600];
        java.util.Arrays.fill(b, 2);
        b[550] = 1;
        var e = io.tinyfleet.compression.cluster.SparseIndicesAccess.entries(java.util.List.of(a, b), new int[] {0, 2});
        // a: filler at 254, forced entry at 299; b (from 300): fillers at 554 and 809, then 850
        assertArrayEquals(new int[] {255, 45, 255, 255, 41}, e[0]);
        assertArrayEquals(new int[] {0, 0, 2, 2, 1}, e[1]);
        assertArrayEquals(new int[] {2, 3}, e[2]);
    }

    @Test
    void decoders_getShortPrivateNames_whileComputeNodesReadTheOriginalOnes() {
        OnnxModel pruned = run(new MagnitudePruning(), Map.of("sparsity", "0.8"), TinyModels.mlp()).model();
        OnnxModel clustered = run(new KMeansWeightClustering(), Map.of("k", "8", "encoding", "sparse"), pruned).model();
        OnnxModel half = run(new io.tinyfleet.compression.quantize.fp16.Fp16WeightConversion(), Map.of(), clustered).model();
        var gemmInputs = half.graph().getNodeList().stream().filter(n -> n.getOpType().equals("Gemm"))
                .flatMap(n -> n.getInputList().stream()).collect(java.util.stream.Collectors.toSet());
        assertTrue(gemmInputs.containsAll(java.util.Set.of("w1", "b1", "w2", "b2")), gemmInputs.toString());
        for (var n : half.graph().getNodeList()) {
            if (!n.getOpType().equals("Gemm") && !n.getOpType().equals("Relu")) {
                assertEquals("", n.getName(), "decoder node " + n.getOpType() + " is unnamed");
                n.getOutputList().stream().filter(o -> !gemmInputs.contains(o))
                        .forEach(o -> assertTrue(o.matches("_[0-9]+"), "private value " + o));
            }
        }
        half.graph().getInitializerList().stream().filter(t -> !gemmInputs.contains(t.getName()))
                .forEach(t -> assertTrue(t.getName().matches("_[0-9]+"), t.getName()));
        var inputs = TinyModels.inputs(pruned);
        assertEquals(0.0, TinyModels.relativeError(TinyModels.run(clustered, inputs), TinyModels.run(half, inputs)), 2e-3);
    }

    @Test
    void cluster_biases_shareCodebooksToo_onlyWhenAsked() {
        OnnxModel plain = run(new KMeansWeightClustering(), Map.of("k", "4"), TinyModels.mlp()).model();
        OnnxModel withBiases = run(new KMeansWeightClustering(), Map.of("k", "4", "biases", "true"), TinyModels.mlp()).model();
        assertEquals(DataType.FLOAT_VALUE, plain.initializers().get("b1").getDataType(), "biases stay float by default");
        TensorProto[] b1 = codebookAndIndices(withBiases, "b1"); // b1 has 32 > 4k elements
        assertEquals(4, Tensors.numel(b1[0]));
        assertEquals(32, Tensors.numel(b1[1]));
        assertEquals(DataType.FLOAT_VALUE, withBiases.initializers().get("b2").getDataType(), "b2 has only 10 <= 4k elements");
        var inputs = TinyModels.inputs(plain);
        assertTrue(TinyModels.relativeError(TinyModels.run(plain, inputs), TinyModels.run(withBiases, inputs)) < 0.1);
        OrtRun.load(withBiases);
    }

    @Test
    void cluster_keepsPrunedZeros_exactlyZero() {
        OnnxModel pruned = run(new MagnitudePruning(), Map.of("sparsity", "0.6"), TinyModels.mlp()).model();
        OnnxModel out = run(new KMeansWeightClustering(), Map.of("k", "4"), pruned).model();
        OnnxModel folded = io.tinyfleet.compression.quantize.common.Materialize.weights(out);
        assertEquals(zeros(pruned.initializers().get("w1")), zeros(folded.initializers().get("w1")), 1e-9);
    }

    @Test
    void sparseClusterDecoder_foldsBackToTheSameFloatWeights_soInt8CanFollowIt() {
        OnnxModel pruned = run(new MagnitudePruning(), Map.of("sparsity", "0.6"), TinyModels.mlp()).model();
        OnnxModel dense = run(new KMeansWeightClustering(), Map.of("k", "8"), pruned).model();
        OnnxModel sparse = run(new KMeansWeightClustering(), Map.of("k", "8", "encoding", "sparse"), pruned).model();
        OnnxModel folded = io.tinyfleet.compression.quantize.common.Materialize.weights(sparse);
        var ops = folded.graph().getNodeList().stream().map(n -> n.getOpType()).collect(java.util.stream.Collectors.toSet());
        assertTrue(java.util.Collections.disjoint(ops, java.util.Set.of("CumSum", "ScatterElements", "Gather",
                "ConstantOfShape", "Cast")), ops.toString());
        OnnxModel denseFolded = io.tinyfleet.compression.quantize.common.Materialize.weights(dense);
        for (String w : new String[] {"w1", "w2"}) {
            assertEquals(DataType.FLOAT_VALUE, folded.initializers().get(w).getDataType(), w);
            assertArrayEquals(Tensors.toFloats(denseFolded.initializers().get(w)), Tensors.toFloats(folded.initializers().get(w)), w);
        }
        TechniqueResult q = run(new StaticQdqQuantization(), Map.of(), sparse);
        assertTrue(q.model().initializers().values().stream().anyMatch(t -> t.getDataType() == DataType.INT8_VALUE));
        OrtRun.load(q.model());
    }

    @Test
    void int8_storesInt8Weights_andFusesInOnnxRuntime() {
        TechniqueResult r = run(new StaticQdqQuantization(), Map.of(), TinyModels.cnn());
        Map<String, TensorProto> w = r.model().initializers();
        assertEquals(DataType.INT8_VALUE, w.get("c1w_quantized").getDataType());
        assertEquals(DataType.INT32_VALUE, w.get("c1b_quantized").getDataType());
        var ops = OrtRun.opCounts(OrtRun.optimized(r.model(), OptLevel.EXTENDED_OPT));
        assertEquals(2, ops.getOrDefault("QLinearConv", 0), ops.toString());
        assertTrue(ops.containsKey("QGemm"), ops.toString());
        assertEquals(java.util.List.of(), r.stats().get("unfusedLayers"));
    }

    @Test
    void int8_calibrates_withEveryMethod() {
        for (String m : new String[] {"minmax", "percentile", "entropy"}) {
            TechniqueResult r = run(new StaticQdqQuantization(), Map.of("method", m, "samples", "16"), TinyModels.mlp());
            var inputs = TinyModels.inputs(TinyModels.mlp());
            double err = TinyModels.relativeError(TinyModels.run(TinyModels.mlp(), inputs), TinyModels.run(r.model(), inputs));
            assertTrue(err < 0.2, m + ": " + err);
        }
    }

    @Test
    void mixed_measuresEveryLayer_andKeepsSomeQuantized() {
        var t = new io.tinyfleet.compression.quantize.mixed.SensitivityMixedPrecision();
        TechniqueResult r = t.apply(TinyModels.cnn(), t.configure(Map.of("budget", "0", "eval", "100", "samples", "16")),
                TechniqueContractTest.contextFor("cnn"));
        assertEquals(3, ((Map<?, ?>) r.stats().get("sensitivity")).size());
        assertTrue(((java.util.List<?>) r.stats().get("keptFloat")).size() <= 2);
        OrtRun.load(r.model());
    }

    @Test
    void fp16_halvesWeightBytes_andKeepsFloatInterface() {
        OnnxModel in = TinyModels.cnn();
        OnnxModel out = run(new Fp16WeightConversion(), Map.of(), in).model();
        long halfs = out.graph().getInitializerList().stream().filter(t -> t.getDataType() == DataType.FLOAT16_VALUE).count();
        assertTrue(halfs >= 3);
        assertTrue(out.sizeBytes() < 0.65 * in.sizeBytes(), in.sizeBytes() + " -> " + out.sizeBytes());
        assertEquals(in.graph().getInput(0), out.graph().getInput(0));
    }

    @Test
    void pipeline_chainsSteps_andRecordsEach() {
        Pipeline p = Pipeline.parse("prune:sparsity=0.5 > cluster:k=16 > quantize:int8", TechniqueRegistry.standard());
        Pipeline.Result r = p.run(TinyModels.cnn(), CTX, io.tinyfleet.compression.pipeline.ModelMeasurer.NONE, s -> { });
        assertEquals(3, r.steps().size());
        assertEquals(r.steps().get(0).outputId(), r.steps().get(1).inputId());
        assertEquals(r.steps().get(0).outputSha256(), r.steps().get(1).inputSha256());
        assertEquals(p.toText(), io.tinyfleet.compression.pipeline.Provenance.pipelineText(r.model()));
        OrtRun.load(r.model());
        long int8 = r.model().graph().getInitializerList().stream().filter(t -> t.getDataType() == DataType.INT8_VALUE).count();
        assertTrue(int8 >= 3);
        assertTrue(r.model().graph().getInitializerList().stream().anyMatch(t -> t.getDataType() == DataType.UINT4_VALUE),
                "int8 keeps the shared codebook's indices");
        assertEquals(java.util.List.of(), r.steps().get(2).stats().get("unfusedLayers"));
        var ops = OrtRun.opCounts(OrtRun.optimized(r.model(), OptLevel.EXTENDED_OPT));
        assertEquals(2, ops.getOrDefault("QLinearConv", 0), ops.toString());
    }

    @Test
    void pipeline_parsesYaml_likeText() {
        String yaml = "steps:\n  - prune: {sparsity: 0.5}\n  - quantize: {mode: int8, method: entropy}\n  - 'cluster:k=4'\n";
        Pipeline p = Pipeline.parse(yaml, TechniqueRegistry.standard());
        assertEquals(Pipeline.parse("prune:sparsity=0.5 > quantize:int8,method=entropy > cluster:k=4",
                TechniqueRegistry.standard()).toText(), p.toText());
    }

    @Test
    void pipeline_namesStepAndField_whenConfigIsBad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pipeline.parse("prune:sparsity=0.5 > cluster:k=999", TechniqueRegistry.standard()));
        assertTrue(e.getMessage().contains("step 2") && e.getMessage().contains("'k'"), e.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> Pipeline.parse("quantize:int9", TechniqueRegistry.standard()));
        assertTrue(m.getMessage().contains("int9"), m.getMessage());
    }


    /** {codebook, indices} initializers of the dense decoder {@code Gather(codebook, Cast(indices))} of {@code weight}. */
    private static TensorProto[] codebookAndIndices(OnnxModel m, String weight) {
        var producers = io.tinyfleet.compression.graph.Graphs.producers(m.graph());
        var gather = producers.get(weight);
        assertEquals("Gather", gather.getOpType(), weight + " is decoded by a Gather");
        var cast = producers.get(gather.getInput(1));
        return new TensorProto[] {m.initializers().get(gather.getInput(0)), m.initializers().get(cast.getInput(0))};
    }

    /** {gaps, indices} initializers of the shared sparse decoder: the Casts read by CumSum and by Split. */
    private static TensorProto[] sparseStreams(OnnxModel m) {
        var producers = io.tinyfleet.compression.graph.Graphs.producers(m.graph());
        TensorProto gaps = null;
        TensorProto indices = null;
        for (var n : m.graph().getNodeList()) {
            var p = producers.get(n.getInputCount() > 0 ? n.getInput(0) : "");
            if (p != null && p.getOpType().equals("Cast") && n.getOpType().equals("CumSum")) {
                gaps = m.initializers().get(p.getInput(0));
            } else if (p != null && p.getOpType().equals("Cast") && n.getOpType().equals("Split")) {
                indices = m.initializers().get(p.getInput(0));
            }
        }
        assertNotNull(gaps, "gap stream");
        assertNotNull(indices, "index stream");
        return new TensorProto[] {gaps, indices};
    }
}
