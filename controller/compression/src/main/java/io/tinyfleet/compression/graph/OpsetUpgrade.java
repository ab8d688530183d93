package io.tinyfleet.compression.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Raises the default opset of an older model (e.g. opset 8 exports) to the one a technique needs,
 * only when every node is an op whose meaning did not change between opset 7 and 13 for the
 * attributes and inputs it uses (ops such as Softmax, Split, Squeeze, Clip, Pad, ReduceSum changed
 * and are refused by name).
 */
public final class OpsetUpgrade {

    /** Ops whose opset-7..13 versions agree for models exported at opset 7 or later. */
    static final Set<String> SAME_MEANING = Set.of("Conv", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Add", "Sub", "Mul", "Div", "MatMul", "Gemm", "Reshape", "Flatten", "Concat", "Transpose",
            "Sigmoid", "Tanh", "LeakyRelu", "Identity", "Constant", "Shape", "Gather", "Sum", "PRelu", "Cast", "Abs",
            "Neg", "Exp", "Log", "Sqrt", "Max", "Min", "Mean", "Elu", "Selu", "Softplus", "HardSigmoid");

    /** Ops whose meaning is stable from opset 13 on (their inputs/attributes changed at 11-13). */
    static final Set<String> SAME_FROM_13 = Set.of("Softmax", "LogSoftmax", "Squeeze", "Unsqueeze", "ReduceSum", "Clip",
            "Pad", "Dropout", "Split", "BatchNormalization");

    private OpsetUpgrade() {
    }

    /** Nodes that stop a raise from the model's opset to {@code target}; empty when none (or no raise needed). */
    public static List<String> blockers(OnnxModel model, long target) {
        List<String> bad = new ArrayList<>();
        long from = model.defaultOpset();
        if (from >= target) {
            return bad;
        }
        if (from < 7) {
            bad.add("opset " + from + " is older than 7; re-export the model at opset " + target + " or later");
            return bad;
        }
        for (NodeProto n : model.graph().getNodeList()) {
            if (n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx")) {
                if (!SAME_MEANING.contains(n.getOpType())
                        && !(n.getOpType().equals("BatchNormalization") && from >= 9)
                        && !(SAME_FROM_13.contains(n.getOpType()) && from >= 13)) {
                    bad.add("node " + Graphs.label(n) + " changed meaning between opset " + from + " and " + target
                            + ", so the model cannot be raised to opset " + target + " (re-export it at " + target + ")");
                }
            }
        }
        return bad;
    }

    /** {@code model} importing at least opset {@code target}; call {@link #blockers} first. */
    public static OnnxModel atLeast(OnnxModel model, long target) {
        if (model.defaultOpset() >= target) {
            return model;
        }
        List<String> bad = blockers(model, target);
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", bad));
        }
        ModelProto.Builder b = model.proto().toBuilder().clearOpsetImport();
        for (OperatorSetIdProto o : model.proto().getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                b.addOpsetImport(o.toBuilder().setVersion(target));
            } else {
                b.addOpsetImport(o);
            }
        }
        b.setIrVersion(Math.max(b.getIrVersion(), GraphBuilder.irVersionFor(target)));
        return OnnxModel.of(b.build(), model.origin());
    }
}
