package io.tinyfleet.compression.quantize.int4;

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
import io.tinyfleet.compression.quantize.common.SessionSettings;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight-only int4 quantization in blocks: each MatMul weight {@code [K, N]} is stored as signed
 * int4 with one float scale per {@code block} consecutive rows of a column, and decoded by an
 * opset-21 {@code DequantizeLinear(block_size)} that ONNX Runtime fuses into MatMulNBits (the
 * group-wise scheme of GPTQ/AWQ-style weight-only quantization: Frantar et al., "GPTQ", ICLR 2023;
 * here with round-to-nearest). Gemm layers become MatMul + Add. The model is raised to opset 21.
 *
 * <p>The fusion needs the session setting {@code optimization.disable_specified_optimizers=MatMulAddFusion};
 * the model records it in {@code metadata_props} ({@value OrtRun#SESSION_DISABLE_OPTIMIZERS}). Without
 * it, ONNX Runtime runs the dequantized weight in float, several times slower than fp32.
 */
public final class BlockwiseInt4WeightQuantization implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "quantize.int4";

    private static final ConfigSpec SPEC = ConfigSpec.of(ID,
            ConfigField.integer("block", 32L, 16, 256, "rows of a column sharing one scale (a power of two, 16..256)"));

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
        return "int4";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public String description() {
        return "weight-only int4 blocks for MatMul/Gemm (MatMulNBits; needs MatMulAddFusion disabled in the session)";
    }

    @Override
    public ConfigSpec spec() {
        return new ConfigSpec(ID, SPEC.fields(), c -> {
            int b = c.integer("block");
            if (Integer.bitCount(b) != 1) {
                throw new IllegalArgumentException(ID + ": field 'block' must be a power of two, got " + b);
            }
        });
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        return MatMulWeights.problems(model, 21, true);
    }

    @Override
    public TechniqueResult apply(OnnxModel input, TechniqueConfig config, TechniqueContext ctx) {
        int block = config.integer("block");
        OnnxModel model = Materialize.weights(OpsetUpgrade.atLeast(input, 21));
        Map<String, TensorProto> inits = model.initializers();
        Edit e = new Edit(model.graph());
        int layers = 0;
        double sq = 0;
        double sqErr = 0;
        for (NodeProto n : MatMulWeights.of(model, true)) {
            TensorProto w = inits.get(n.getInput(1));
            float[] v = Tensors.toFloats(w);
            int k = (int) w.getDims(0);
            int cols = (int) w.getDims(1);
            if (n.getOpType().equals("Gemm") && Graphs.attrInt(n, "transB", 0) != 0) {
                v = Tensors.transposed(v, k, cols);
                int t = k;
                k = cols;
                cols = t;
            }
            int blocks = (k + block - 1) / block;
            float[] scales = new float[blocks * cols];
            byte[] packed = new byte[(k * cols + 1) / 2];
            for (int b = 0; b < blocks; b++) {
                for (int c = 0; c < cols; c++) {
                    float max = 0;
                    for (int r = b * block; r < Math.min(k, (b + 1) * block); r++) {
                        max = Math.max(max, Math.abs(v[r * cols + c]));
                    }
                    float s = max > 0 ? max / 7f : 1f;
                    scales[b * cols + c] = s;
                    for (int r = b * block; r < Math.min(k, (b + 1) * block); r++) {
                        int i = r * cols + c;
                        int q = (int) Math.max(-8, Math.min(7, Math.rint(v[i] / s)));
                        packed[i / 2] |= (byte) ((q & 0xF) << ((i % 2) * 4));
                        float d = q * s - v[i];
                        sqErr += d * (double) d;
                        sq += v[i] * (double) v[i];
                    }
                }
            }
            String wq = e.fresh(w.getName() + "_int4");
            String ws = e.fresh(w.getName() + "_scale");
            String wf = e.fresh(w.getName() + "_dequantized");
            e.initializers.remove(w.getName());
            e.initializers.put(wq, Tensors.raw(wq, DataType.INT4, new long[] {k, cols}, packed));
            e.initializers.put(ws, Tensors.floats(ws, new long[] {blocks, cols}, scales));
            e.prelude.add(NodeProto.newBuilder().setName(e.fresh(wf + "_DequantizeLinear")).setOpType("DequantizeLinear")
                    .addInput(wq).addInput(ws).addOutput(wf).addAttribute(GraphBuilder.attr("axis", 0L))
                    .addAttribute(GraphBuilder.attr("block_size", (long) block)).build());
            int at = e.nodes.indexOf(n);
            boolean bias = n.getOpType().equals("Gemm") && n.getInputCount() > 2 && !n.getInput(2).isEmpty();
            String mm = bias ? e.fresh(n.getOutput(0) + "_matmul") : n.getOutput(0);
            List<NodeProto> repl = new ArrayList<>();
            repl.add(NodeProto.newBuilder().setName(e.fresh(n.getName() + "_int4")).setOpType("MatMul")
                    .addInput(n.getInput(0)).addInput(wf).addOutput(mm).build());
            if (bias) {
                repl.add(NodeProto.newBuilder().setName(e.fresh(n.getName() + "_bias")).setOpType("Add")
                        .addInput(mm).addInput(n.getInput(2)).addOutput(n.getOutput(0)).build());
            }
            e.nodes.remove(at);
            e.nodes.addAll(at, repl);
            layers++;
        }
        OnnxModel out = SessionSettings.disableOptimizer(model.withGraph(e.build()), "MatMulAddFusion");
        GraphProto opt = OrtRun.optimized(out, OptLevel.EXTENDED_OPT);
        int fused = OrtRun.opCounts(opt).getOrDefault("MatMulNBits", 0);
        List<String> notes = new ArrayList<>();
        notes.add("run it with the ONNX Runtime session setting optimization.disable_specified_optimizers=MatMulAddFusion "
                + "(recorded in metadata_props as " + OrtRun.SESSION_DISABLE_OPTIMIZERS + "); without it the int4 "
                + "weights are widened to float and the model runs several times slower than fp32");
        if (fused < layers) {
            notes.add("WARNING: with that setting ONNX Runtime fused " + fused + " of " + layers
                    + " layers into MatMulNBits");
        } else {
            notes.add("with that setting ONNX Runtime fused all " + layers + " layers into MatMulNBits");
        }
        notes.add("opset raised to 21 (int4 and blocked DequantizeLinear need it); convolutions stay float");
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("block", block);
        stats.put("quantizedLayers", layers);
        stats.put("fusedMatMulNBits", fused);
        stats.put("weightRelativeError", Math.round(Math.sqrt(sqErr / Math.max(sq, 1e-30)) * 1e4) / 1e4);
        return new TechniqueResult(out, stats, notes);
    }
}
