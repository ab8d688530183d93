package io.tinyfleet.compression.quantize.common;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Folds the weight decoders earlier steps leave in a graph back into float initializers, so
 * quantizers see plain weights: {@code Cast(fp16 -> float)} of {@code quantize:fp16} and
 * {@code Gather(codebook, Cast(indices))} of {@code cluster}. Values are unchanged (fp16 widening
 * and codebook lookup are exact).
 */
public final class Materialize {

    private Materialize() {
    }

    /** {@code model} with those decoders folded (the same model when there are none). */
    public static OnnxModel weights(OnnxModel model) {
        Edit e = new Edit(model.graph());
        Map<String, int[]> ints = new HashMap<>();
        Map<String, long[]> intDims = new HashMap<>();
        boolean changed = false;
        for (Iterator<NodeProto> it = e.nodes.iterator(); it.hasNext(); ) {
            NodeProto n = it.next();
            if (!n.getDomain().isEmpty() || n.getOutputCount() != 1) {
                continue;
            }
            String op = n.getOpType();
            if (op.equals("Cast") && n.getInputCount() == 1) {
                TensorProto in = e.initializers.get(n.getInput(0));
                long to = Graphs.attrInt(n, "to", 0);
                if (in != null && to == DataType.FLOAT_VALUE && in.getDataType() == DataType.FLOAT16_VALUE) {
                    e.initializers.put(n.getOutput(0), Tensors.floats(n.getOutput(0), Tensors.dims(in), Tensors.toFloats(in)));
                    it.remove();
                    changed = true;
                } else if (in != null && (to == DataType.INT32_VALUE || to == DataType.INT64_VALUE)) {
                    int[] v = indices(in);
                    if (v != null) {
                        ints.put(n.getOutput(0), v);
                        intDims.put(n.getOutput(0), Tensors.dims(in));
                        it.remove();
                        changed = true;
                    }
                }
            } else if (op.equals("Gather") && n.getInputCount() == 2 && Graphs.attrInt(n, "axis", 0) == 0) {
                TensorProto cb = e.initializers.get(n.getInput(0));
                int[] idx = ints.get(n.getInput(1));
                if (cb != null && idx != null && cb.getDimsCount() == 1 && Tensors.isFloating(cb)) {
                    float[] c = Tensors.toFloats(cb);
                    float[] w = new float[idx.length];
                    for (int i = 0; i < idx.length; i++) {
                        w[i] = c[idx[i]];
                    }
                    e.initializers.put(n.getOutput(0), Tensors.floats(n.getOutput(0), intDims.get(n.getInput(1)), w));
                    it.remove();
                    changed = true;
                }
            }
        }
        if (!changed) {
            return model;
        }
        // any int index we folded but nobody gathered must come back as a node: keep it simple and refuse
        for (NodeProto n : e.nodes) {
            for (String i : n.getInputList()) {
                if (ints.containsKey(i)) {
                    throw new IllegalArgumentException("cannot fold weight decoder feeding " + Graphs.label(n));
                }
            }
        }
        e.dropUnusedInitializers();
        return model.withGraph(e.build());
    }

    private static int[] indices(TensorProto t) {
        int n = Math.toIntExact(Tensors.numel(t));
        var raw = t.getRawData();
        int[] out = new int[n];
        switch (t.getDataType()) {
            case DataType.UINT8_VALUE -> {
                if (raw.size() != n) {
                    return null;
                }
                for (int i = 0; i < n; i++) {
                    out[i] = raw.byteAt(i) & 0xFF;
                }
            }
            case DataType.UINT4_VALUE -> {
                if (raw.size() != (n + 1) / 2) {
                    return null;
                }
                for (int i = 0; i < n; i++) {
                    out[i] = (raw.byteAt(i / 2) >> ((i % 2) * 4)) & 0xF;
                }
            }
            case DataType.INT32_VALUE -> {
                if (raw.size() != 4L * n) {
                    return null;
                }
                raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
            }
            default -> {
                return null;
            }
        }
        return out;
    }

}
