package io.tinyfleet.compression.train;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns trained values back into a clean inference model: initializers replaced by name, then
 * every BatchNormalization that directly follows a Conv folded into that Conv's weights and bias
 * (W' = W * g / sqrt(v + eps), b' = (b - m) * g / sqrt(v + eps) + beta), as in Jacob et al.,
 * "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only
 * Inference", CVPR 2018, section 3.2.
 */
public final class InferenceExport {

    private InferenceExport() {
    }

    /** The forward model with the initializers named in {@code values} replaced (same shapes). */
    public static OnnxModel withValues(OnnxModel forward, Map<String, float[]> values) {
        GraphProto.Builder g = forward.graph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            float[] v = values.get(t.getName());
            if (v != null) {
                g.setInitializer(i, Tensors.floats(t.getName(), Tensors.dims(t), v));
            }
        }
        return forward.withGraph(g.build());
    }

    /** Folds BatchNormalization nodes that follow a Conv used only by them; other BN nodes stay. */
    public static OnnxModel foldBatchNorm(OnnxModel model) {
        GraphProto g = model.graph();
        Map<String, TensorProto> inits = new HashMap<>(model.initializers());
        Map<String, Integer> uses = new HashMap<>();
        Map<String, NodeProto> producer = new HashMap<>();
        Set<String> graphOutputs = new HashSet<>();
        g.getOutputList().forEach(o -> graphOutputs.add(o.getName()));
        for (NodeProto n : g.getNodeList()) {
            n.getInputList().forEach(i -> uses.merge(i, 1, Integer::sum));
            n.getOutputList().forEach(o -> producer.put(o, n));
        }
        Map<NodeProto, NodeProto> replaced = new HashMap<>();
        Set<NodeProto> removed = new HashSet<>();
        List<TensorProto> added = new ArrayList<>();
        Set<String> dropped = new HashSet<>();
        for (NodeProto bn : g.getNodeList()) {
            if (!bn.getOpType().equals("BatchNormalization") || bn.getOutputCount() > 1 && !bn.getOutput(1).isEmpty()) {
                continue;
            }
            NodeProto conv = producer.get(bn.getInput(0));
            if (conv == null || !conv.getOpType().equals("Conv") || uses.getOrDefault(bn.getInput(0), 0) != 1
                    || graphOutputs.contains(bn.getInput(0)) || replaced.containsKey(conv)) {
                continue;
            }
            TensorProto w = inits.get(conv.getInput(1));
            TensorProto b = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty() ? inits.get(conv.getInput(2)) : null;
            TensorProto[] p = new TensorProto[4];
            boolean ok = w != null && uses.getOrDefault(w.getName(), 0) == 1
                    && (b != null || conv.getInputCount() < 3 || conv.getInput(2).isEmpty());
            for (int i = 0; i < 4 && ok; i++) {
                p[i] = inits.get(bn.getInput(i + 1));
                ok = p[i] != null;
            }
            if (!ok) {
                continue;
            }
            float eps = GradRules.floatAttr(bn, "epsilon", 1e-5f);
            float[] wv = Tensors.toFloats(w);
            float[] gamma = Tensors.toFloats(p[0]);
            float[] beta = Tensors.toFloats(p[1]);
            float[] mean = Tensors.toFloats(p[2]);
            float[] var = Tensors.toFloats(p[3]);
            int out = gamma.length;
            float[] bv = b == null ? new float[out] : Tensors.toFloats(b);
            int per = wv.length / out;
            float[] nb = new float[out];
            for (int o = 0; o < out; o++) {
                float s = (float) (gamma[o] / Math.sqrt(var[o] + eps));
                for (int k = 0; k < per; k++) {
                    wv[o * per + k] *= s;
                }
                nb[o] = (bv[o] - mean[o]) * s + beta[o];
            }
            String wName = w.getName();
            String bName = b != null && uses.getOrDefault(b.getName(), 0) == 1 ? b.getName() : bn.getOutput(0) + "_bias";
            added.add(Tensors.floats(wName, Tensors.dims(w), wv));
            added.add(Tensors.floats(bName, new long[] {out}, nb));
            dropped.add(wName);
            dropped.add(bName);
            NodeProto.Builder nc = conv.toBuilder().clearInput().addInput(conv.getInput(0)).addInput(wName).addInput(bName)
                    .clearOutput().addOutput(bn.getOutput(0));
            replaced.put(conv, nc.build());
            removed.add(bn);
        }
        if (removed.isEmpty()) {
            return model;
        }
        GraphProto.Builder ng = g.toBuilder().clearNode();
        for (NodeProto n : g.getNodeList()) {
            if (!removed.contains(n)) {
                ng.addNode(replaced.getOrDefault(n, n));
            }
        }
        Set<String> used = new HashSet<>();
        ng.getNodeList().forEach(n -> used.addAll(n.getInputList()));
        ng.getOutputList().forEach(o -> used.add(o.getName()));
        ng.clearInitializer();
        for (TensorProto t : g.getInitializerList()) {
            if (!dropped.contains(t.getName()) && used.contains(t.getName())) {
                ng.addInitializer(t);
            }
        }
        ng.addAllInitializer(added);
        List<ai.onnx.proto.OnnxMl.ValueInfoProto> inputs = new ArrayList<>(ng.getInputList());
        ng.clearInput();
        Set<String> initNames = new HashSet<>();
        ng.getInitializerList().forEach(t -> initNames.add(t.getName()));
        for (var in : inputs) {
            if (!inits.containsKey(in.getName()) || initNames.contains(in.getName())) {
                ng.addInput(in);
            }
        }
        ng.clearValueInfo();
        return model.withGraph(ng.build());
    }
}
