package io.tinyfleet.compression.quantize.common;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.compression.graph.OpsetUpgrade;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The layers the weight-only quantizers ({@code quantize:dynamic}, {@code quantize:int4}) rewrite: a
 * standard-domain MatMul, or a Gemm with transA=0 and alpha=beta=1, whose first input is computed at run
 * time and whose second is a 2-D float initializer.
 */
public final class MatMulWeights {

    private MatMulWeights() {
    }

    /**
     * The target nodes of {@code model} in graph order.
     *
     * @param soleReader only weights no other node reads (a rewrite that replaces the weight's reader)
     */
    public static List<NodeProto> of(OnnxModel model, boolean soleReader) {
        Map<String, TensorProto> inits = model.initializers();
        Map<String, List<NodeProto>> consumers = soleReader ? Graphs.consumers(model.graph()) : Map.of();
        List<NodeProto> out = new ArrayList<>();
        for (NodeProto n : model.graph().getNodeList()) {
            if (!n.getDomain().isEmpty() || n.getInputCount() < 2 || inits.containsKey(n.getInput(0))) {
                continue;
            }
            TensorProto w = inits.get(n.getInput(1));
            if (w == null || w.getDataType() != DataType.FLOAT_VALUE || w.getDimsCount() != 2
                    || soleReader && consumers.get(w.getName()).size() != 1) {
                continue;
            }
            if (n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm") && Graphs.attrInt(n, "transA", 0) == 0
                    && Graphs.attrFloat(n, "alpha", 1f) == 1f && Graphs.attrFloat(n, "beta", 1f) == 1f) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * What keeps a weight-only quantizer from {@code model}, before any work: custom-domain nodes, what
     * stops the graph reaching {@code opset}, or no target layer (after folding earlier steps' weight decoders).
     */
    public static List<String> problems(OnnxModel model, int opset, boolean soleReader) {
        List<String> bad = new ArrayList<>(Graphs.customDomainNodes(model));
        if (bad.isEmpty()) {
            bad.addAll(OpsetUpgrade.blockers(model, opset));
        }
        if (bad.isEmpty() && of(Materialize.weights(model), soleReader).isEmpty()) {
            bad.add("no MatMul or Gemm (transA=0, alpha=beta=1) with a 2-D float weight initializer");
        }
        return bad;
    }
}
