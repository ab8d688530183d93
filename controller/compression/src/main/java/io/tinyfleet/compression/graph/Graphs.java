package io.tinyfleet.compression.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Read-only helpers over an ONNX graph shared by the techniques. */
public final class Graphs {

    /** Domains of standard ONNX Runtime CPU ops that techniques pass through unchanged. */
    public static final Set<String> KNOWN_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft");

    private Graphs() {
    }

    /** Producer node of each value. */
    public static Map<String, NodeProto> producers(GraphProto g) {
        Map<String, NodeProto> m = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                m.put(o, n);
            }
        }
        return m;
    }

    /** Consumer nodes of each value, in graph order. */
    public static Map<String, List<NodeProto>> consumers(GraphProto g) {
        Map<String, List<NodeProto>> m = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String i : n.getInputList()) {
                if (!i.isEmpty()) {
                    m.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
                }
            }
        }
        return m;
    }

    /** Names of graph outputs. */
    public static Set<String> outputNames(GraphProto g) {
        Set<String> s = new HashSet<>();
        for (ValueInfoProto v : g.getOutputList()) {
            s.add(v.getName());
        }
        return s;
    }

    /** Graph inputs that are not initializers (what a caller feeds). */
    public static List<ValueInfoProto> realInputs(GraphProto g) {
        Set<String> inits = new HashSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        List<ValueInfoProto> out = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!inits.contains(v.getName())) {
                out.add(v);
            }
        }
        return out;
    }

    /** An INT attribute or {@code def}. */
    public static long attrInt(NodeProto n, String name, long def) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return def;
    }

    /** A FLOAT attribute or {@code def}. */
    public static float attrFloat(NodeProto n, String name, float def) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return def;
    }

    /** A STRING attribute or {@code def}. */
    public static String attrString(NodeProto n, String name, String def) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getS().toStringUtf8();
            }
        }
        return def;
    }

    /** An INTS attribute or null. */
    public static long[] attrInts(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return null;
    }

    /** A copy of {@code n} with attribute {@code a} set (replacing one of the same name). */
    public static NodeProto withAttr(NodeProto n, AttributeProto a) {
        NodeProto.Builder b = n.toBuilder().clearAttribute();
        boolean replaced = false;
        for (AttributeProto x : n.getAttributeList()) {
            if (x.getName().equals(a.getName())) {
                b.addAttribute(a);
                replaced = true;
            } else {
                b.addAttribute(x);
            }
        }
        if (!replaced) {
            b.addAttribute(a);
        }
        return b.build();
    }

    /** A readable node label: {@code 'name' (Op)}. */
    public static String label(NodeProto n) {
        return "'" + (n.getName().isEmpty() ? n.getOutput(0) : n.getName()) + "' (" + n.getOpType() + ")";
    }

    /**
     * Nodes of operator domains the standard ONNX Runtime build lacks (onnxruntime-extensions'
     * {@code ai.onnx.contrib}, ...), each as {@code 'name' (Op, domain d): ...}.
     */
    public static List<String> customDomainNodes(OnnxModel model) {
        List<String> bad = new ArrayList<>();
        for (NodeProto n : model.graph().getNodeList()) {
            if (!KNOWN_DOMAINS.contains(n.getDomain())) {
                bad.add("node " + label(n) + " is in custom domain '" + n.getDomain()
                        + "' (needs onnxruntime-extensions or another custom-op library; TinyFleet does not compress it)");
            }
        }
        return bad;
    }

    /** Every name used by a value, node or initializer: for picking fresh names. */
    public static Set<String> usedNames(GraphProto g) {
        Set<String> s = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            s.add(n.getName());
            s.addAll(n.getInputList());
            s.addAll(n.getOutputList());
        }
        g.getInitializerList().forEach(t -> s.add(t.getName()));
        g.getInputList().forEach(v -> s.add(v.getName()));
        g.getOutputList().forEach(v -> s.add(v.getName()));
        return s;
    }

    /**
     * The nodes computed from initializers alone, in graph order: default-domain nodes that
     * {@code eligible} accepts, without subgraphs, whose every input is an initializer, omitted, or
     * an output of such a node. The weight decoders earlier steps leave are of this kind.
     */
    public static List<NodeProto> constantNodes(GraphProto g, java.util.function.Predicate<NodeProto> eligible) {
        Set<String> constant = new HashSet<>();
        g.getInitializerList().forEach(t -> constant.add(t.getName()));
        constant.add("");
        List<NodeProto> out = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getDomain().isEmpty() && eligible.test(n) && constant.containsAll(n.getInputList())
                    && n.getAttributeList().stream().noneMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
                out.add(n);
                constant.addAll(n.getOutputList());
            }
        }
        return out;
    }

    /**
     * {@code g} with its weight decoders' private names made short: every value that only flows
     * inside the constant part of the graph (initializers and the outputs of nodes computed from
     * initializers alone) and is read by no other node, no subgraph and no graph output is renamed
     * {@code _0}, {@code _1}, ... in order of first use, and those nodes lose their (optional) names.
     * What the model computes and every name a compute node reads stay as they are; on the LeNet-5
     * wire chain the decoders' long names were about 340 of its 9,503 wire bytes.
     */
    public static GraphProto compactDecoderNames(GraphProto g) {
        Set<NodeProto> constNodes = new HashSet<>(constantNodes(g, n -> true));
        Set<String> constant = new HashSet<>();
        g.getInitializerList().forEach(t -> constant.add(t.getName()));
        constNodes.forEach(n -> constant.addAll(n.getOutputList()));
        Set<String> exposed = new HashSet<>();
        g.getInputList().forEach(v -> exposed.add(v.getName()));
        g.getOutputList().forEach(v -> exposed.add(v.getName()));
        for (NodeProto n : g.getNodeList()) {
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    exposed.addAll(usedNames(a.getG()));
                }
                a.getGraphsList().forEach(sg -> exposed.addAll(usedNames(sg)));
            }
            if (!constNodes.contains(n)) {
                exposed.addAll(n.getInputList());
            }
        }
        Set<String> used = usedNames(g);
        Map<String, String> rename = new LinkedHashMap<>();
        int[] next = {0};
        java.util.function.Consumer<String> visit = v -> {
            if (!v.isEmpty() && constant.contains(v) && !exposed.contains(v) && !rename.containsKey(v)) {
                String name = "_" + next[0]++;
                while (used.contains(name)) {
                    name = "_" + next[0]++;
                }
                used.add(name);
                rename.put(v, name);
            }
        };
        for (NodeProto n : g.getNodeList()) {
            n.getInputList().forEach(visit);
            n.getOutputList().forEach(visit);
        }
        g.getInitializerList().forEach(t -> visit.accept(t.getName()));
        if (rename.isEmpty()) {
            return g;
        }
        java.util.function.UnaryOperator<String> r = v -> rename.getOrDefault(v, v);
        GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer().clearValueInfo();
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder nb = n.toBuilder().clearInput().clearOutput();
            n.getInputList().forEach(v -> nb.addInput(r.apply(v)));
            n.getOutputList().forEach(v -> nb.addOutput(r.apply(v)));
            if (constNodes.contains(n)) {
                nb.clearName();
            }
            b.addNode(nb);
        }
        g.getInitializerList().forEach(t -> b.addInitializer(t.toBuilder().setName(r.apply(t.getName()))));
        g.getValueInfoList().forEach(v -> b.addValueInfo(v.toBuilder().setName(r.apply(v.getName()))));
        return b.build();
    }

    /** {@code base} or {@code base_2}, ... not in {@code used}; the result is added to {@code used}. */
    public static String fresh(Set<String> used, String base) {
        String name = base;
        int i = 2;
        while (used.contains(name)) {
            name = base + "_" + i++;
        }
        used.add(name);
        return name;
    }

    /**
     * Weight initializers of linear layers a technique may compress: input 1 of Conv, Gemm and MatMul
     * when it is a float initializer of rank 2 or more, in graph order (each initializer once).
     */
    public static List<WeightRef> linearWeights(OnnxModel model) {
        Map<String, TensorProto> inits = model.initializers();
        Map<String, WeightRef> out = new LinkedHashMap<>();
        for (NodeProto n : model.graph().getNodeList()) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                continue;
            }
            String op = n.getOpType();
            if (!(op.equals("Conv") || op.equals("Gemm") || op.equals("MatMul")) || n.getInputCount() < 2) {
                continue;
            }
            TensorProto w = inits.get(n.getInput(1));
            if (w == null || w.getDataType() != TensorProto.DataType.FLOAT_VALUE || w.getDimsCount() < 2) {
                continue;
            }
            out.putIfAbsent(w.getName(), new WeightRef(n, w));
        }
        return new ArrayList<>(out.values());
    }

    /** Number of elements of every float initializer (the parameter count). */
    public static long floatParameters(OnnxModel model) {
        long n = 0;
        for (TensorProto t : model.graph().getInitializerList()) {
            n += Tensors.numel(t);
        }
        return n;
    }

    /**
     * A weight used by a linear layer.
     *
     * @param node   first node using it
     * @param tensor the initializer
     */
    public record WeightRef(NodeProto node, TensorProto tensor) {

        /** Initializer name. */
        public String name() {
            return tensor.getName();
        }

        /**
         * Axis of output channels: 0 for Conv and for Gemm with {@code transB=1}; 1 for MatMul and Gemm
         * with {@code transB=0} (the weight is {@code [K, N]}).
         */
        public int outputAxis() {
            if (node.getOpType().equals("Conv")) {
                return 0;
            }
            if (node.getOpType().equals("Gemm")) {
                return attrInt(node, "transB", 0) != 0 ? 0 : 1;
            }
            return tensor.getDimsCount() - 1;
        }
    }
}
