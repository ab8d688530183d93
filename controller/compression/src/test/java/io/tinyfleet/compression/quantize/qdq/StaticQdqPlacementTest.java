package io.tinyfleet.compression.quantize.qdq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where static int8 puts its Q/DQ pairs, and what ONNX Runtime makes of them. */
class StaticQdqPlacementTest {

    private static final TechniqueContext CTX = TechniqueContext.dataFree(11);

    private static TechniqueResult quantize(OnnxModel m, Map<String, String> cfg) {
        StaticQdqQuantization t = new StaticQdqQuantization();
        TechniqueConfig c = t.configure(cfg);
        t.check(m, c);
        return t.apply(m, c, CTX);
    }

    @Test
    void residualAddAndPool_runAsIntegerOps_withoutFloatRoundTrips() {
        TechniqueResult r = quantize(TinyModels.depthwise(true), Map.of());
        assertEquals(List.of("'add' (Add)", "'gap' (GlobalAveragePool)"), r.stats().get("integerOps"));
        Map<String, Integer> ops = OrtRun.opCounts(OrtRun.optimized(r.model(), OptLevel.EXTENDED_OPT));
        assertEquals(1, ops.getOrDefault("QLinearAdd", 0), ops.toString());
        assertEquals(1, ops.getOrDefault("QLinearGlobalAveragePool", 0), ops.toString());
        assertEquals(3, ops.getOrDefault("QLinearConv", 0), ops.toString());
        assertFalse(ops.containsKey("Add") || ops.containsKey("GlobalAveragePool"), ops.toString());
        // uint8 from the input Q to the last layer, which writes the float logits itself: one Q, no DQ
        assertEquals(1, ops.getOrDefault("QuantizeLinear", 0), ops.toString());
        assertEquals(0, ops.getOrDefault("DequantizeLinear", 0), ops.toString());
        assertEquals(1, ops.getOrDefault("QGemm", 0), ops.toString());
    }

    @Test
    void residualModel_staysCloseToFloat() {
        OnnxModel m = TinyModels.depthwise(true);
        var inputs = TinyModels.inputs(m);
        double err = TinyModels.relativeError(TinyModels.run(m, inputs),
                TinyModels.run(quantize(m, Map.of()).model(), inputs));
        assertTrue(err < 0.05, "relative error " + err);
    }

    @Test
    void layersFast_keepsConvsWithoutFastInt8Kernel_inFloat() {
        // conv1: 1 input channel; dw: depthwise with 8 channels (not a multiple of 16); pw: 8 -> 16 is fine
        TechniqueResult r = quantize(TinyModels.depthwise(false), Map.of("layers", "fast"));
        assertEquals(List.of("c1w", "dww"), r.stats().get("layersKeptFloatForSpeed"));
        var w = r.model().initializers();
        assertEquals(DataType.FLOAT_VALUE, w.get("c1w").getDataType());
        assertEquals(DataType.FLOAT_VALUE, w.get("dww").getDataType());
        assertEquals(DataType.INT8_VALUE, w.get("pww_quantized").getDataType());
        assertEquals(DataType.INT8_VALUE, w.get("fw_quantized").getDataType());
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("kept in float (layers=fast): c1w: 1 input")), r.notes().toString());
        Map<String, Integer> ops = OrtRun.opCounts(OrtRun.optimized(r.model(), OptLevel.EXTENDED_OPT));
        assertEquals(1, ops.getOrDefault("QLinearConv", 0), ops.toString());
    }

    @Test
    void layersAll_isTheDefault_andQuantizesEveryConv() {
        TechniqueResult r = quantize(TinyModels.depthwise(false), Map.of());
        assertEquals(List.of(), r.stats().get("layersKeptFloatForSpeed"));
        assertEquals(DataType.INT8_VALUE, r.model().initializers().get("c1w_quantized").getDataType());
        assertEquals(DataType.INT8_VALUE, r.model().initializers().get("dww_quantized").getDataType());
    }

    @Test
    void layerKeptFloat_betweenQuantizedOnes_staysFloatInOnnxRuntime() {
        // conv2 reads the quantized pool output and feeds the quantized Gemm input: ORT's WeightBiasQuantization
        // would quantize its float weight at load unless the model asks ORT to skip that optimiser
        StaticQdqQuantization t = new StaticQdqQuantization();
        TechniqueResult r = t.quantize(TinyModels.cnn(), t.configure(Map.of()), CTX, java.util.Set.of("c2w"));
        assertEquals("WeightBiasQuantization",
                r.model().metadata().get(io.tinyfleet.runtime.session.ModelRuntime.SESSION_DISABLE_OPTIMIZERS));
        Map<String, Integer> ops = OrtRun.opCounts(OrtRun.optimized(r.model(), OptLevel.EXTENDED_OPT));
        assertEquals(1, ops.getOrDefault("QLinearConv", 0), ops.toString());
        assertEquals(1, ops.getOrDefault("Conv", 0) + ops.getOrDefault("FusedConv", 0), ops.toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("WeightBiasQuantization")), r.notes().toString());
    }

    @Test
    void sessionSettings_mergeWithSemicolons() {
        OnnxModel m = io.tinyfleet.compression.quantize.common.SessionSettings.disableOptimizer(
                io.tinyfleet.compression.quantize.common.SessionSettings.disableOptimizer(TinyModels.mlp(), "MatMulAddFusion"),
                "WeightBiasQuantization");
        assertEquals(Map.of("optimization.disable_specified_optimizers", "MatMulAddFusion;WeightBiasQuantization"),
                OrtRun.sessionConfig(io.tinyfleet.compression.quantize.common.SessionSettings.disableOptimizer(m,
                        "MatMulAddFusion")));
    }

    /** x[N,16] -> Max(Exp(16x), 1000) (a spike at 1000 holding 43 % of the values, a sparse tail to 8.9e6) -> Gemm 4 -> y. */
    private static OnnxModel heavyTail() {
        java.util.Random r = new java.util.Random(5);
        float[] w = new float[4 * 16];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.1f;
        }
        return new io.tinyfleet.runtime.model.GraphBuilder("tail", 17)
                .input("x", DataType.FLOAT, "N", 16)
                .initializer(io.tinyfleet.runtime.model.Tensors.floats("k", new long[0], new float[] {16f}))
                .initializer(io.tinyfleet.runtime.model.Tensors.floats("w", new long[] {4, 16}, w))
                .node("scale", "Mul", List.of("x", "k"), List.of("s"))
                .initializer(io.tinyfleet.runtime.model.Tensors.floats("floor", new long[0], new float[] {1000f}))
                .node("exp", "Exp", List.of("s"), List.of("t"))
                .node("spike", "Max", List.of("t", "floor"), List.of("e"))
                .node("fc", "Gemm", List.of("e", "w"), List.of("y"), io.tinyfleet.runtime.model.GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", 4)
                .build();
    }

    @Test
    void entropy_warnsWhenItClipsMostOfAnActivation_minmaxNever() {
        TechniqueResult e = quantize(heavyTail(), Map.of("method", "entropy"));
        assertEquals(List.of("e"), e.stats().get("activationsMostlyClipped"));
        assertTrue(e.notes().stream().anyMatch(n -> n.startsWith("WARNING: entropy calibration kept less than half")),
                e.notes().toString());
        TechniqueResult m = quantize(heavyTail(), Map.of("method", "minmax"));
        assertEquals(List.of(), m.stats().get("activationsMostlyClipped"));
    }

    @Test
    void slowInt8Convs_acceptsDepthwiseWith16Channels_andWideConvs() {
        OnnxModel m = TinyModels.depthwise(false);
        assertEquals(List.of("c1w", "dww"), List.copyOf(StaticQdqQuantization.slowInt8Convs(m).keySet()));
        assertTrue(StaticQdqQuantization.slowInt8Convs(TinyModels.mlp()).isEmpty(), "Gemm layers are never kept");
    }
}
