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

    /**
     * The new graph. Graph inputs that name initializers (older IR versions list every initializer
     * as an input) follow the initializers: dropped ones disappear, changed ones get their new type and
     * dims, and new ones are listed too when the original listed all of them.
     */
    public GraphProto build() {
        GraphProto.Builder b = original.toBuilder().clearNode().clearInitializer().clearInput();
        b.addAllNode(prelude).addAllNode(nodes).addAllInitializer(initializers.values());
        Set<String> origInits = new java.util.HashSet<>();
        original.getInitializerList().forEach(t -> origInits.add(t.getName()));
        Set<String> inputNames = new java.util.HashSet<>();
        original.getInputList().forEach(v -> inputNames.add(v.getName()));
        boolean allListed = !origInits.isEmpty() && inputNames.containsAll(origInits);
        Set<String> listed = new java.util.HashSet<>();
        original.getInputList().forEach(v -> {
            if (!origInits.contains(v.getName())) {
                b.addInput(v);
            } else if (initializers.containsKey(v.getName())) {
                b.addInput(infoOf(initializers.get(v.getName())));
                listed.add(v.getName());
            }
        });
        if (allListed) {
            initializers.values().forEach(t -> {
                if (!listed.contains(t.getName())) {
                    b.addInput(infoOf(t));
                }
            });
        }
        // value_info of replaced tensors may carry stale shapes; ORT re-infers them.
        b.clearValueInfo();
        return b.build();
    }

    private static ai.onnx.proto.OnnxMl.ValueInfoProto infoOf(TensorProto t) {
        Object[] dims = new Object[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
        }
        return io.tinyfleet.runtime.model.GraphBuilder.valueInfo(t.getName(),
                TensorProto.DataType.forNumber(t.getDataType()), dims);
    }
}
