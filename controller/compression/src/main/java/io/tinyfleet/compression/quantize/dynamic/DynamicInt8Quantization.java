package io.tinyfleet.compression.quantize.dynamic;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.CompressionTechnique;
import io.tinyfleet.compression.ConfigField;
import io.tinyfleet.compression.ConfigSpec;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.compression.graph.OpsetUpgrade;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.quantize.common.MatMulWeights;
import io.tinyfleet.compression.quantize.common.Materialize;
import io.tinyfleet.compression.quantize.common.QuantMath;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dynamic int8 quantization of MatMul and Gemm layers: weights int8 symmetric per output column,
 * stored once; activations quantized to uint8 at run time from their own range
 * ({@code DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul}), which ONNX Runtime fuses into
 * DynamicQuantizeMatMul (Jacob et al., CVPR 2018; the scheme of ONNX Runtime's and PyTorch's
 * {@code quantize_dynamic}). No calibration data is needed. Convolutions are left in float: ONNX
 * Runtime does not implement ConvInteger for every type combination; use {@code quantize:int8} for CNNs.
 * Weights use 7 bits by default ({@code reduce_range}, as ONNX Runtime's quantizer recommends for
 * CPUs without VNNI): on this project's AVX2 build machine, full-range weights made the fused
 * kernel's saturating pair sums overflow (relative output error 0.18 on a random test MLP).
 */
public final class DynamicInt8Quantization implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "quantize.dynamic";

    private static final ConfigSpec SPEC = ConfigSpec.of(ID,
            ConfigField.bool("reduce_range", true, "7-bit weights (ONNX Runtime's reduce_range). x86 CPUs without "
                    + "VNNI multiply uint8 activations by int8 weights with saturating 16-bit pair sums (vpmaddubsw), "
                    + "which full-range weights can overflow; false: 8-bit weights, for ARM or VNNI CPUs"));

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String step() {
        return "quantize";
    }

    @Override
    public String mode() {
        return "dynamic";
    }

    @Override
    public int version() {
        return 2;
    }

    @Override
    public String description() {
        return "dynamic int8 for MatMul/Gemm (weights int8 per column, activations quantized at run time)";
    }

    @Override
    public ConfigSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        return MatMulWeights.problems(model, 13, false);
    }

    @Override
    public TechniqueResult apply(OnnxModel input, TechniqueConfig config, TechniqueContext ctx) {
        OnnxModel model = Materialize.weights(OpsetUpgrade.atLeast(input, 13));
        Map<String, TensorProto> inits = model.initializers();
        Edit e = new Edit(model.graph());
        Map<String, String[]> quantizedWeights = new LinkedHashMap<>();
        int layers = 0;
        for (NodeProto n : MatMulWeights.of(model, false)) {
            TensorProto w = inits.get(n.getInput(1));
            boolean transB = n.getOpType().equals("Gemm") && Graphs.attrInt(n, "transB", 0) != 0;
            String[] wq = quantizedWeights.get(w.getName() + "/" + transB);
            if (wq == null) {
                float[] v = Tensors.toFloats(w);
                long[] d = Tensors.dims(w);
                if (transB) {
                    v = Tensors.transposed(v, (int) d[0], (int) d[1]);
                    d = new long[] {d[1], d[0]};
                }
                float[] s = QuantMath.int8Scales(v, d, 1, config.bool("reduce_range") ? 63 : 127);
                wq = new String[] {e.fresh(w.getName() + "_quantized"), e.fresh(w.getName() + "_scale"),
                        e.fresh(w.getName() + "_zero_point")};
                e.initializers.put(wq[0], Tensors.bytes(wq[0], DataType.INT8, d, QuantMath.quantizeInt8(v, d, 1, s)));
                e.initializers.put(wq[1], Tensors.floats(wq[1], new long[] {s.length}, s));
                e.initializers.put(wq[2], Tensors.bytes(wq[2], DataType.INT8, new long[] {s.length}, new byte[s.length]));
                quantizedWeights.put(w.getName() + "/" + transB, wq);
            }
            String x = n.getInput(0);
            String base = n.getOutput(0);
            String xq = e.fresh(base + "_x_quantized");
            String xs = e.fresh(base + "_x_scale");
            String xz = e.fresh(base + "_x_zero_point");
            String yi = e.fresh(base + "_int32");
            String yf = e.fresh(base + "_int32_float");
            String sp = e.fresh(base + "_scale_product");
            boolean bias = n.getOpType().equals("Gemm") && n.getInputCount() > 2 && !n.getInput(2).isEmpty();
            String y = bias ? e.fresh(base + "_no_bias") : base;
            List<NodeProto> repl = new ArrayList<>();
            repl.add(node(e, "DynamicQuantizeLinear", List.of(x), List.of(xq, xs, xz)));
            repl.add(node(e, "MatMulInteger", List.of(xq, wq[0], xz, wq[2]), List.of(yi)));
            repl.add(node(e, "Mul", List.of(xs, wq[1]), List.of(sp)));
            repl.add(node(e, "Cast", List.of(yi), List.of(yf)).toBuilder()
                    .addAttribute(GraphBuilder.attr("to", (long) DataType.FLOAT_VALUE)).build());
            repl.add(node(e, "Mul", List.of(yf, sp), List.of(y)));
            if (bias) {
                repl.add(node(e, "Add", List.of(y, n.getInput(2)), List.of(base)));
            }
            int at = e.nodes.indexOf(n);
            e.nodes.remove(at);
            e.nodes.addAll(at, repl);
            layers++;
        }
        e.dropUnusedInitializers();
        OnnxModel out = model.withGraph(e.build());
        GraphProto opt = OrtRun.optimized(out, OptLevel.EXTENDED_OPT);
        Map<String, Integer> ops = OrtRun.opCounts(opt);
        int fused = ops.getOrDefault("DynamicQuantizeMatMul", 0) + ops.getOrDefault("MatMulIntegerToFloat", 0);
        List<String> notes = new ArrayList<>();
        if (fused >= layers) {
            notes.add("ONNX Runtime (EXTENDED) fused all " + layers + " layers into DynamicQuantizeMatMul; activations "
                    + "are quantized on every run, so the gain is largest for big MatMul/Gemm layers (measure it)");
        } else {
            notes.add("WARNING: ONNX Runtime fused only " + fused + " of " + layers + " layers; the rest run "
                    + "MatMulInteger plus float rescaling and may be slower than float");
        }
        if (input.defaultOpset() < 13) {
            notes.add("opset raised from " + input.defaultOpset() + " to 13; every op keeps its meaning");
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("quantizedLayers", layers);
        stats.put("fusedLayers", fused);
        stats.put("optimizedOps", ops);
        return new TechniqueResult(out, stats, notes);
    }

    private static NodeProto node(Edit e, String op, List<String> in, List<String> out) {
        return NodeProto.newBuilder().setName(e.fresh(out.get(0) + "_" + op)).setOpType(op).addAllInput(in)
                .addAllOutput(out).build();
    }
}
