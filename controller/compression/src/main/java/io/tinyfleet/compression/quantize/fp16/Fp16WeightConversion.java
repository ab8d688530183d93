package io.tinyfleet.compression.quantize.fp16;

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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Half-precision weight storage: float initializers are stored as IEEE 754 binary16 and widened by
 * a {@code Cast} node, so the model's inputs and outputs stay float32 (Micikevicius et al., "Mixed
 * Precision Training", ICLR 2018, for the binary16 format's range and rounding).
 *
 * <p>Only the file halves: ONNX Runtime's CPU provider folds the Casts at load and computes in
 * fp32, so memory and latency equal the fp32 model's.
 */
public final class Fp16WeightConversion implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "quantize.fp16";

    private static final ConfigSpec SPEC = ConfigSpec.of(ID,
            ConfigField.integer("min-elements", 16L, 1, Integer.MAX_VALUE,
                    "convert float initializers with at least this many elements"));

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
        return "fp16";
    }

    @Override
    public int version() {
        return 2;
    }

    @Override
    public String description() {
        return "store float weights as fp16 (the file halves; ONNX Runtime CPU still computes in fp32)";
    }

    @Override
    public ConfigSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        List<String> bad = new ArrayList<>(Graphs.customDomainNodes(model));
        if (bad.isEmpty() && candidates(model, config).isEmpty()) {
            bad.add("no float initializer with at least " + config.integer("min-elements") + " elements to convert");
        }
        return bad;
    }

    private static List<TensorProto> candidates(OnnxModel model, TechniqueConfig config) {
        List<TensorProto> out = new ArrayList<>();
        for (TensorProto t : model.graph().getInitializerList()) {
            if (t.getDataType() == DataType.FLOAT_VALUE && Tensors.numel(t) >= config.integer("min-elements")) {
                out.add(t);
            }
        }
        return out;
    }

    @Override
    public TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx) {
        Edit e = new Edit(model.graph());
        long converted = 0;
        int tensors = 0;
        for (TensorProto t : candidates(model, config)) {
            float[] v = Tensors.toFloats(t);
            ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putShort(Tensors.floatToHalf(x));
            }
            String half = e.fresh(t.getName() + "__fp16");
            e.initializers.remove(t.getName());
            e.initializers.put(half, Tensors.raw(half, DataType.FLOAT16, Tensors.dims(t), b.array()));
            e.prelude.add(NodeProto.newBuilder().setOpType("Cast")
                    .addInput(half).addOutput(t.getName())
                    .addAttribute(GraphBuilder.attr("to", (long) DataType.FLOAT_VALUE)).build());
            converted += v.length;
            tensors++;
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("tensors", tensors);
        stats.put("weights", converted);
        List<String> notes = List.of("the file holds fp16 weights (about half the size), but ONNX Runtime's CPU "
                + "provider widens them to fp32 at load and computes in fp32: memory and latency equal fp32");
        return new TechniqueResult(model.withGraph(Graphs.compactDecoderNames(e.build())), stats, notes);
    }
}
