package io.tinyfleet.compression.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mutable working copy of a graph for techniques: initializers by name, nodes in order, and
 * nodes to insert before the first one. {@link #build()} writes a new {@link GraphProto}; the
 * original is never touched.
 */
public final class Edit {

    private final GraphProto original;
    /** Initializers by name, in order; replace or add freely. */
    public final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    /** Nodes in topological order; replace or add freely. */
    public final List<NodeProto> nodes;
    /** Nodes that produce values from initializers only, placed before every other node. */
    public final List<NodeProto> prelude = new ArrayList<>();
    /** Names in use, for {@link Graphs#fresh}. */
    public final Set<String> used;

    /** A working copy of {@code g}. */
    public Edit(GraphProto g) {
        this.original = g;
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        this.nodes = new ArrayList<>(g.getNodeList());
        this.used = Graphs.usedNames(g);
    }

    /** A fresh name starting with {@code base}. */
    public String fresh(String base) {
        return Graphs.fresh(used, base);
    }

    /** Removes initializers no node, graph output or subgraph uses any longer. */
    public void dropUnusedInitializers() {
        Set<String> needed = new java.util.HashSet<>();
        for (NodeProto n : prelude) {
            needed.addAll(n.getInputList());
        }
        for (NodeProto n : nodes) {
            needed.addAll(n.getInputList());
            n.getAttributeList().forEach(a -> {
                if (a.hasG()) {
                    needed.addAll(Graphs.usedNames(a.getG()));
                }
            });
        }
        original.getOutputList().forEach(v -> needed.add(v.getName()));
        initializers.keySet().removeIf(k -> !needed.contains(k));
    }

    /** The new graph (inputs that named dropped initializers are removed too). */
    public GraphProto build() {
        GraphProto.Builder b = original.toBuilder().clearNode().clearInitializer().clearInput();
        b.addAllNode(prelude).addAllNode(nodes).addAllInitializer(initializers.values());
        Set<String> origInits = new java.util.HashSet<>();
        original.getInitializerList().forEach(t -> origInits.add(t.getName()));
        original.getInputList().forEach(v -> {
            if (!origInits.contains(v.getName()) || initializers.containsKey(v.getName())) {
                b.addInput(v);
            }
        });
        // value_info of replaced tensors may carry stale shapes; ORT re-infers them.
        b.clearValueInfo();
        return b.build();
    }
}
