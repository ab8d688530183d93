package io.tinyfleet.compression.quantize.common;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds the weight decoders earlier steps leave in a graph back into float initializers, so
 * quantizers see plain weights: {@code Cast(fp16 -> float)} of {@code quantize:fp16},
 * {@code Gather(codebook, Cast(indices))} of {@code cluster}, and the CumSum/ScatterElements
 * decoder of {@code cluster encoding=sparse}. Any subgraph computed from initializers alone whose
 * result is a float tensor is evaluated once in ONNX Runtime (the same constant folding ORT does at
 * session load) and replaced by that tensor; the values are exactly what the model computes.
 * Quantize/Dequantize nodes are left alone, so an already quantized weight stays quantized.
 * ONNX Runtime does the evaluation rather than Java code per op: one rule then covers every
 * decoder, including ones added later.
 */
public final class Materialize {

    /** Ops never folded: quantized weights stay quantized, subgraph ops are not evaluated. */
    private static final Set<String> KEEP = Set.of("QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
            "If", "Loop", "Scan", "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
            "Bernoulli");

    private Materialize() {
    }

    /** {@code model} with those decoders folded (the same model when there are none). */
    public static OnnxModel weights(OnnxModel model) {
        GraphProto g = model.graph();
        Map<String, Integer> type = new HashMap<>();
        g.getInitializerList().forEach(t -> type.put(t.getName(), t.getDataType()));
        List<NodeProto> folded = Graphs.constantNodes(g, n -> !KEEP.contains(n.getOpType()) && n.getOutputCount() > 0);
        Map<String, NodeProto> producer = new HashMap<>();
        for (NodeProto n : folded) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
                Integer t = outputType(n, type);
                if (t != null) {
                    type.put(o, t);
                }
            }
        }
        if (folded.isEmpty()) {
            return model;
        }
        // values the rest of the graph reads from the constant part
        Set<String> frontier = new LinkedHashSet<>();
        Set<NodeProto> constNodes = new HashSet<>(folded);
        for (NodeProto n : g.getNodeList()) {
            if (!constNodes.contains(n)) {
                n.getInputList().stream().filter(producer::containsKey).forEach(frontier::add);
            }
        }
        g.getOutputList().stream().map(v -> v.getName()).filter(producer::containsKey).forEach(frontier::add);
        // constant nodes still needed for values that are not folded (non-float or unknown type)
        Set<NodeProto> kept = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        frontier.stream().filter(v -> !isFloat(type, v)).forEach(todo::add);
        while (!todo.isEmpty()) {
            NodeProto p = producer.get(todo.pop());
            if (p != null && kept.add(p)) {
                todo.addAll(p.getInputList());
            }
        }
        List<String> floats = frontier.stream().filter(v -> isFloat(type, v) && !kept.contains(producer.get(v)))
                .toList();
        if (floats.isEmpty()) {
            return model;
        }
        GraphProto.Builder fold = GraphProto.newBuilder().setName("materialize");
        Set<String> needInit = new HashSet<>();
        for (NodeProto n : folded) {
            fold.addNode(n);
            needInit.addAll(n.getInputList());
        }
        g.getInitializerList().stream().filter(t -> needInit.contains(t.getName())).forEach(fold::addInitializer);
        OnnxModel foldModel = model.withGraph(fold.build());
        Map<String, OrtRun.Value> values = OrtRun.run(foldModel, List.of(Map.of()), floats, OptLevel.NO_OPT).get(0);

        Edit e = new Edit(g);
        e.nodes.removeIf(n -> constNodes.contains(n) && !kept.contains(n));
        for (String v : floats) {
            OrtRun.Value val = values.get(v);
            if (val == null) {
                throw new IllegalArgumentException("cannot fold weight decoder producing '" + v + "' of " + model.origin());
            }
            e.initializers.put(v, Tensors.floats(v, val.shape(), val.data()));
        }
        e.dropUnusedInitializers();
        return model.withGraph(e.build());
    }

    private static boolean isFloat(Map<String, Integer> type, String value) {
        return Integer.valueOf(DataType.FLOAT_VALUE).equals(type.get(value));
    }

    /**
     * Element type of {@code n}'s first output when it follows from its inputs' types (null when
     * unknown: such a value is kept as computed, never folded).
     */
    private static Integer outputType(NodeProto n, Map<String, Integer> type) {
        String op = n.getOpType();
        return switch (op) {
            case "Cast" -> (int) Graphs.attrInt(n, "to", 0);
            case "ConstantOfShape" -> n.getAttributeList().stream().filter(a -> a.getName().equals("value"))
                    .map(AttributeProto::getT).map(TensorProto::getDataType).findFirst().orElse(DataType.FLOAT_VALUE);
            case "Where" -> n.getInputCount() > 1 ? type.get(n.getInput(1)) : null;
            case "Gather", "GatherElements", "GatherND", "ScatterElements", "ScatterND", "Reshape", "Transpose",
                    "Squeeze", "Unsqueeze", "Expand", "Slice", "Split", "Concat", "Identity", "Flatten", "Tile", "CumSum",
                    "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Pad" -> n.getInputCount() > 0 ? type.get(n.getInput(0)) : null;
            default -> null;
        };
    }
}
