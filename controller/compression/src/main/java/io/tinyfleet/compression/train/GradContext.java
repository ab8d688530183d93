package io.tinyfleet.compression.train;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link GradRule} sees while the training graph is being emitted: static shapes, which
 * values need a gradient, the gradients gathered so far, and helpers that emit ONNX nodes and
 * constants with fresh names.
 */
public final class GradContext {

    final List<NodeProto> nodes = new ArrayList<>();
    final List<TensorProto> constants = new ArrayList<>();
    final Map<String, long[]> shapes;
    final Set<String> needsGrad;
    final Map<String, List<String>> partials = new HashMap<>();
    final Map<String, Object> state = new HashMap<>();
    final Map<String, long[]> extraOutputs = new LinkedHashMap<>();
    final List<TrainingGraph.RunningStat> runningStats = new ArrayList<>();
    final Map<String, TensorProto> initializers;
    final long seed;
    private int counter;

    GradContext(Map<String, long[]> shapes, Set<String> needsGrad, Map<String, TensorProto> initializers, long seed) {
        this.shapes = shapes;
        this.needsGrad = needsGrad;
        this.initializers = initializers;
        this.seed = seed;
    }

    /** The training run's seed (for Dropout). */
    public long seed() {
        return seed;
    }

    /** Copies a forward node unchanged. */
    public void copy(NodeProto node) {
        nodes.add(node);
    }

    /** Emits a node with one fresh output and returns its name. */
    public String op(String opType, List<String> inputs, AttributeProto... attrs) {
        return op(opType, inputs, 1, attrs)[0];
    }

    /** Emits a node with {@code outputs} fresh outputs. */
    public String[] op(String opType, List<String> inputs, int outputs, AttributeProto... attrs) {
        String[] outs = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            outs[i] = fresh(opType);
        }
        opInto(opType, inputs, List.of(outs), attrs);
        return outs;
    }

    /** Emits a node writing the named outputs. */
    public void opInto(String opType, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        nodes.add(NodeProto.newBuilder().setName("tf/" + opType + "_" + (counter++)).setOpType(opType)
                .addAllInput(inputs).addAllOutput(outputs).addAllAttribute(List.of(attrs)).build());
    }

    /** A fresh value name. */
    public String fresh(String hint) {
        return "tf/" + hint + "_" + (counter++);
    }

    /** A FLOAT scalar constant. */
    public String scalar(float v) {
        return floats(new long[0], new float[] {v});
    }

    /** A FLOAT constant. */
    public String floats(long[] dims, float[] data) {
        String name = fresh("c");
        constants.add(Tensors.floats(name, dims, data));
        return name;
    }

    /** A 1-D INT64 constant (shapes, axes, slice bounds). */
    public String longs(long... values) {
        String name = fresh("c");
        constants.add(Tensors.longs(name, new long[] {values.length}, values));
        return name;
    }

    /** A BOOL scalar constant. */
    public String bool(boolean v) {
        String name = fresh("c");
        constants.add(Tensors.bytes(name, TensorProto.DataType.BOOL, new long[0], new byte[] {(byte) (v ? 1 : 0)}));
        return name;
    }

    /** The static shape of a value of the training graph. */
    public long[] shape(String value) {
        long[] s = shapes.get(value);
        if (s == null) {
            throw new IllegalStateException("no shape known for value '" + value + "'");
        }
        return s;
    }

    /** Records the shape of a value the rule created. */
    public void setShape(String value, long[] shape) {
        shapes.put(value, shape);
    }

    /** Whether the value depends on a trainable initializer (so its gradient is wanted). */
    public boolean needs(String value) {
        return needsGrad.contains(value);
    }

    /** The initializer with this name, or null. */
    public TensorProto initializer(String name) {
        return initializers.get(name);
    }

    /** The gradient of a value (partials summed), or null when no gradient reaches it. */
    public String grad(String value) {
        List<String> p = partials.get(value);
        if (p == null || p.isEmpty()) {
            return null;
        }
        if (p.size() > 1) {
            String sum = op("Sum", p);
            p.clear();
            p.add(sum);
        }
        return p.get(0);
    }

    /** Adds a partial gradient for a value. */
    public void addGrad(String value, String gradient) {
        partials.computeIfAbsent(value, k -> new ArrayList<>()).add(gradient);
    }

    /** Per-node scratch state shared between a rule's forward and backward (keyed by node and name). */
    public void put(NodeProto node, String key, Object v) {
        state.put(node.getOutput(0) + "#" + key, v);
    }

    /** Reads state written by {@link #put}. */
    @SuppressWarnings("unchecked")
    public <T> T get(NodeProto node, String key) {
        return (T) state.get(node.getOutput(0) + "#" + key);
    }

    /** Adds a graph output to the training graph (e.g. a batch statistic). */
    public void output(String value, long[] shape) {
        extraOutputs.put(value, shape);
    }

    /** Declares that {@code batchValue} (a graph output) updates the running statistic {@code initializer}. */
    public void runningStat(String initializer, String batchValue, boolean variance, float momentum, long count) {
        runningStats.add(new TrainingGraph.RunningStat(initializer, batchValue, variance, momentum, count));
    }

    /** Reshape to a static shape. */
    public String reshape(String x, long[] shape) {
        return op("Reshape", List.of(x, longs(shape)));
    }

    /** ReduceSum over axes (axes as an input, opset 13+). */
    public String reduceSum(String x, long[] axes, boolean keepDims) {
        return op("ReduceSum", List.of(x, longs(axes)), GradRules.attr("keepdims", keepDims ? 1 : 0));
    }

    /** Elementwise multiply by a scalar constant. */
    public String scale(String x, float factor) {
        return factor == 1f ? x : op("Mul", List.of(x, scalar(factor)));
    }

    /**
     * Sums a gradient of shape {@code gShape} down to {@code target} (numpy broadcasting undone):
     * axes the target lacks or holds as 1 are summed, then the result is reshaped.
     */
    public String unbroadcast(String g, long[] gShape, long[] target) {
        if (Arrays.equals(gShape, target)) {
            return g;
        }
        int offset = gShape.length - target.length;
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < gShape.length; i++) {
            int t = i - offset;
            if (t < 0 || (target[t] == 1 && gShape[i] != 1)) {
                axes.add((long) i);
            }
        }
        String r = g;
        if (!axes.isEmpty()) {
            r = reduceSum(g, axes.stream().mapToLong(Long::longValue).toArray(), true);
        }
        return reshape(r, target);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
