package io.tinyfleet.runtime.inspect;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.model.WireSize;
import io.tinyfleet.runtime.session.ModelRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Static facts about a model without running it: opsets, inputs and outputs, parameters, file and wire
 * size, MACs per Conv/Gemm/MatMul layer at batch 1 (from {@link ShapeInference}), op histogram,
 * sparsity per weight, provenance metadata.
 *
 * <p>MACs: Conv {@code N * M * prod(out spatial) * C/group * prod(kernel)}; ConvTranspose
 * {@code N * C_in * prod(in spatial) * M/group * prod(kernel)}; Gemm {@code M * N * K}; MatMul
 * {@code numel(output) * K}. Bias additions and activations are not counted.
 */
public final class Inspector {

    private static final Set<String> COMPUTE = Set.of("Conv", "ConvInteger", "QLinearConv", "ConvTranspose", "Gemm",
            "MatMul", "MatMulInteger", "QLinearMatMul");

    private Inspector() {
    }

    /** Inspects {@code model} without splitting its wire bytes ({@code wireParts} null). */
    public static Inspection inspect(OnnxModel model) {
        return inspect(model, false);
    }

    /**
     * Inspects {@code model}. Never runs it; never fails on an unknown op (its shapes are reported unknown).
     *
     * @param wireParts also split the wire bytes into parts ({@link WireSize#parts}), which packs every
     *                  part again: only {@code inspect --wire} asks, not the measurements of every step
     */
    public static Inspection inspect(OnnxModel model, boolean wireParts) {
        GraphProto g = model.graph();
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto o : model.proto().getOpsetImportList()) {
            opsets.put(o.getDomain(), o.getVersion());
        }
        Set<String> inits = new HashSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        List<Inspection.Io> inputs = new ArrayList<>();
        for (ValueInfoProto vi : g.getInputList()) {
            if (!inits.contains(vi.getName())) {
                inputs.add(io(vi));
            }
        }
        List<Inspection.Io> outputs = g.getOutputList().stream().map(Inspector::io).toList();

        Map<String, Integer> ops = new HashMap<>();
        List<Inspection.Weight> weights = new ArrayList<>();
        long[] params = new long[1];
        long[] zeros = new long[2];
        walk(g, ops, weights, params, zeros);
        Map<String, Integer> opCounts = new LinkedHashMap<>();
        ops.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> opCounts.put(e.getKey(), e.getValue()));

        List<String> notes = new ArrayList<>();
        ShapeInference si = ShapeInference.of(model);
        List<Inspection.Layer> layers = new ArrayList<>();
        long macs = 0;
        boolean complete = true;
        for (NodeProto n : g.getNodeList()) {
            if (!COMPUTE.contains(n.getOpType()) || !(n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"))) {
                continue;
            }
            Long m = macs(n, si);
            String w = weightName(n, inits);
            layers.add(new Inspection.Layer(n.getName().isEmpty() ? n.getOutput(0) : n.getName(), n.getOpType(), m,
                    si.shape(n.getOutput(0)).map(s -> Arrays.stream(s).boxed().toList()).orElse(null), w));
            if (m == null) {
                complete = false;
            } else {
                macs += m;
            }
        }
        if (!complete) {
            notes.add("MACs of some layers are unknown (shapes could not be inferred): 'macs' is a lower bound");
        }
        if (!si.unsupportedOps().isEmpty()) {
            notes.add("no shape rule for " + String.join(", ", new TreeSet<>(si.unsupportedOps()))
                    + ": shapes after them are unknown unless the model declares them");
        }
        if (hasSubgraphs(g)) {
            notes.add("model has sub-graphs (If/Loop/Scan): their nodes are in opCounts and parameters, not in MACs");
        }
        String refusal = null;
        try {
            ModelRuntime.checkRunnable(model);
        } catch (IllegalArgumentException e) {
            refusal = e.getMessage();
        }
        byte[] bytes = model.toBytes();
        String producer = (model.proto().getProducerName() + " " + model.proto().getProducerVersion()).trim();
        return new Inspection(model.origin(), OnnxModel.sha256Hex(bytes), model.proto().getIrVersion(), opsets,
                producer, inputs, outputs, params[0], bytes.length, WireSize.zstdModel(bytes).length, WireSize.LEVEL,
                wireParts ? WireSize.parts(model) : null, macs, complete, layers, opCounts, weights,
                zeros[1] == 0 ? 0.0 : zeros[0] / (double) zeros[1], model.metadata(), refusal == null, refusal, notes);
    }

    /** MACs of one compute node at batch 1, or null when a needed shape is unknown. */
    static Long macs(NodeProto n, ShapeInference si) {
        boolean qlinear = n.getOpType().startsWith("QLinear");
        long[] x = si.shape(n.getInput(0)).orElse(null);
        long[] w = si.shape(n.getInput(qlinear ? 3 : 1)).orElse(null);
        long[] y = si.shape(n.getOutput(0)).orElse(null);
        if (x == null || w == null || y == null || !allKnown(x) || !allKnown(w) || !allKnown(y)) {
            return null;
        }
        switch (n.getOpType()) {
            case "Conv", "ConvInteger", "QLinearConv" -> {
                return ShapeInference.prod(y, 0, y.length) * ShapeInference.prod(w, 1, w.length);
            }
            case "ConvTranspose" -> {
                return ShapeInference.prod(x, 0, x.length) * ShapeInference.prod(w, 1, w.length);
            }
            case "Gemm" -> {
                long k = ShapeInference.attrInt(n, "transA", 0) == 1 ? x[0] : x[1];
                return y[0] * y[1] * k;
            }
            default -> {
                long k = x[x.length - 1];
                return ShapeInference.prod(y, 0, y.length) * k;
            }
        }
    }

    private static boolean allKnown(long[] s) {
        return Arrays.stream(s).allMatch(d -> d >= 0);
    }

    private static String weightName(NodeProto n, Set<String> inits) {
        int wi = n.getOpType().startsWith("QLinear") ? 3 : 1;
        return n.getInputCount() > wi && inits.contains(n.getInput(wi)) ? n.getInput(wi) : null;
    }

    private static void walk(GraphProto g, Map<String, Integer> ops, List<Inspection.Weight> weights, long[] params,
                             long[] zeros) {
        for (TensorProto t : g.getInitializerList()) {
            long numel = Tensors.numel(t);
            params[0] += numel;
            if (Tensors.isFloating(t)) {
                long z = 0;
                for (float f : Tensors.toFloats(t)) {
                    if (f == 0f) {
                        z++;
                    }
                }
                zeros[0] += z;
                zeros[1] += numel;
                weights.add(new Inspection.Weight(t.getName(), TensorProto.DataType.forNumber(t.getDataType()).name(),
                        Arrays.stream(Tensors.dims(t)).boxed().toList(), numel, z, numel == 0 ? 0 : z / (double) numel));
            }
        }
        for (NodeProto n : g.getNodeList()) {
            String key = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? n.getOpType()
                    : n.getDomain() + "." + n.getOpType();
            ops.merge(key, 1, Integer::sum);
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    walk(a.getG(), ops, weights, params, zeros);
                }
                for (GraphProto sub : a.getGraphsList()) {
                    walk(sub, ops, weights, params, zeros);
                }
            }
        }
    }

    private static boolean hasSubgraphs(GraphProto g) {
        return g.getNodeList().stream().flatMap(n -> n.getAttributeList().stream())
                .anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
    }

    private static Inspection.Io io(ValueInfoProto vi) {
        if (!vi.getType().hasTensorType()) {
            return new Inspection.Io(vi.getName(), vi.getType().getValueCase().name(), List.of());
        }
        var tt = vi.getType().getTensorType();
        TensorProto.DataType dt = TensorProto.DataType.forNumber(tt.getElemType());
        List<Object> shape = new ArrayList<>();
        for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
            shape.add(d.hasDimValue() ? (Object) d.getDimValue() : (d.getDimParam().isEmpty() ? "?" : d.getDimParam()));
        }
        return new Inspection.Io(vi.getName(), dt == null ? "UNKNOWN" : dt.name(), shape);
    }
}
