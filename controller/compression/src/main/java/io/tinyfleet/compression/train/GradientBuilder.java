package io.tinyfleet.compression.train;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.Ort;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Emits the training graph of a forward ONNX model: the forward pass (in training mode), a loss
 * and reverse-mode gradients of the trainable initializers, all as ordinary ONNX ops that a
 * standard ONNX Runtime session executes (the CPU build has no training API).
 *
 * <p>The batch size is fixed so that every value has a static shape, found by running the
 * forward model once on zeros with every intermediate value exposed. Ops without a
 * {@link GradRule} on the path from a trainable initializer to the logits are refused before any
 * work, all listed in one message.
 */
public final class GradientBuilder {

    /** Lowest default-domain opset accepted (Softmax/ReduceSum semantics of opset 13). */
    public static final long MIN_OPSET = 13;
    /** Opset of emitted training graphs (ScatterND/ScatterElements reduction needs 16). */
    public static final long TRAINING_OPSET = 17;

    private GradientBuilder() {
    }

    /**
     * The float initializers that would be trained by default: those used only at differentiable
     * inputs of nodes that lead to the logits (BatchNormalization running statistics, shapes and
     * indices excluded).
     */
    public static List<String> defaultTrainable(OnnxModel forward) {
        GraphProto g = forward.graph();
        Map<String, TensorProto> inits = forward.initializers();
        Set<String> anc = ancestorValues(g);
        Set<String> good = new LinkedHashSet<>();
        Set<String> bad = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            var rule = GradRules.forOp(n);
            for (int i = 0; i < n.getInputCount(); i++) {
                String v = n.getInput(i);
                TensorProto t = inits.get(v);
                if (t == null || t.getDataType() != DataType.FLOAT_VALUE) {
                    continue;
                }
                if (rule.isPresent() && rule.get().differentiable(n, i) && anc.contains(v)) {
                    good.add(v);
                } else {
                    bad.add(v);
                }
            }
        }
        good.removeAll(bad);
        return List.copyOf(good);
    }

    /**
     * Builds the training graph.
     *
     * @param forward   inference model: one data input with batch as its first dimension, logits as first output
     * @param trainable initializers to train ({@code null}: {@link #defaultTrainable})
     * @param loss      the loss on the logits
     * @param batch     fixed batch size
     * @param seed      seed for random ops (Dropout)
     * @throws IllegalArgumentException when the model cannot be trained, naming every offending node
     */
    public static TrainingGraph build(OnnxModel forward, List<String> trainable, Loss loss, int batch, long seed) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        long opset = forward.defaultOpset();
        if (opset < MIN_OPSET) {
            throw new IllegalArgumentException("model uses opset " + opset + "; training needs opset >= " + MIN_OPSET);
        }
        GraphProto g = forward.graph();
        Map<String, TensorProto> inits = forward.initializers();
        List<ValueInfoProto> dataInputs = g.getInputList().stream().filter(v -> !inits.containsKey(v.getName())).toList();
        if (dataInputs.size() != 1) {
            throw new IllegalArgumentException("training needs exactly one data input, the model has "
                    + dataInputs.stream().map(ValueInfoProto::getName).toList());
        }
        if (g.getOutputCount() < 1) {
            throw new IllegalArgumentException("model has no output");
        }
        ValueInfoProto dataInput = dataInputs.get(0);
        String logits = g.getOutput(0).getName();
        long[] dataShape = batchShape(dataInput, batch);
        List<String> params = trainable == null ? defaultTrainable(forward) : List.copyOf(trainable);
        for (String p : params) {
            TensorProto t = inits.get(p);
            if (t == null || t.getDataType() != DataType.FLOAT_VALUE) {
                throw new IllegalArgumentException("trainable '" + p + "' is not a FLOAT initializer of the model");
            }
        }

        // Which values depend on a trainable initializer; refuse ops without a rule on that path.
        Set<String> anc = ancestorValues(g);
        Set<String> needs = new HashSet<>(params);
        List<String> offending = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            var rule = GradRules.forOp(n);
            boolean flows = false;
            for (int i = 0; i < n.getInputCount(); i++) {
                if (needs.contains(n.getInput(i)) && (rule.isEmpty() || rule.get().differentiable(n, i))) {
                    flows = true;
                }
            }
            if (!flows) {
                continue;
            }
            if (rule.isEmpty()) {
                if (n.getOutputList().stream().anyMatch(anc::contains)) {
                    offending.add((n.getName().isEmpty() ? n.getOutput(0) : n.getName()) + " (" + n.getOpType() + ")");
                }
                continue;
            }
            if (n.getOpType().equals("Dropout")) {
                needs.add(n.getOutput(0));
            } else {
                needs.addAll(n.getOutputList());
            }
        }
        if (!offending.isEmpty()) {
            throw new IllegalArgumentException("no gradient rule for " + offending.size() + " node(s): "
                    + String.join(", ", offending) + "; supported ops: " + GradRules.supportedOps());
        }

        Map<String, long[]> shapes = probeShapes(forward, dataInput.getName(), dataShape, anc);
        GradContext c = new GradContext(shapes, needs, inits, seed);
        for (NodeProto n : g.getNodeList()) {
            if (!n.getOutputList().stream().anyMatch(anc::contains)) {
                continue;
            }
            var rule = GradRules.forOp(n);
            if (rule.isPresent()) {
                rule.get().forward(n, c);
            } else {
                c.copy(n);
            }
        }
        long[] logitsShape = c.shape(logits);
        String[] lossAndGrad = loss.emit(c, logits, logitsShape);
        c.addGrad(logits, lossAndGrad[1]);
        List<NodeProto> fwd = g.getNodeList();
        for (int k = fwd.size() - 1; k >= 0; k--) {
            NodeProto n = fwd.get(k);
            var rule = GradRules.forOp(n);
            if (rule.isEmpty() || !n.getOutputList().stream().anyMatch(c.partials::containsKey)) {
                continue;
            }
            boolean any = false;
            for (int i = 0; i < n.getInputCount(); i++) {
                any |= needs.contains(n.getInput(i)) && rule.get().differentiable(n, i);
            }
            if (any) {
                rule.get().backward(n, c);
            }
        }
        Map<String, String> grads = new LinkedHashMap<>();
        Map<String, long[]> paramShapes = new LinkedHashMap<>();
        List<String> frozen = new ArrayList<>();
        for (String p : params) {
            String gv = c.grad(p);
            if (gv == null) {
                frozen.add(p);
                continue;
            }
            String out = "tf_grad/" + p;
            c.opInto("Identity", List.of(gv), List.of(out));
            grads.put(p, out);
            paramShapes.put(p, io.tinyfleet.runtime.model.Tensors.dims(inits.get(p)));
        }
        for (TensorProto t : inits.values()) {
            if (t.getDataType() == DataType.FLOAT_VALUE && !grads.containsKey(t.getName()) && !frozen.contains(t.getName())) {
                frozen.add(t.getName());
            }
        }
        String lossOut = "tf_loss";
        c.opInto("Identity", List.of(lossAndGrad[0]), List.of(lossOut));

        GraphProto.Builder tg = GraphProto.newBuilder().setName(g.getName() + "_training");
        tg.addInput(GraphBuilder.valueInfo(dataInput.getName(), DataType.FLOAT, boxed(dataShape)));
        for (var e : paramShapes.entrySet()) {
            tg.addInput(GraphBuilder.valueInfo(e.getKey(), DataType.FLOAT, boxed(e.getValue())));
        }
        for (String li : loss.inputs()) {
            tg.addInput(GraphBuilder.valueInfo(li, DataType.FLOAT, boxed(logitsShape)));
        }
        Set<String> used = new HashSet<>();
        c.nodes.forEach(n -> used.addAll(n.getInputList()));
        for (TensorProto t : inits.values()) {
            if (!grads.containsKey(t.getName()) && used.contains(t.getName())) {
                tg.addInitializer(t);
            }
        }
        tg.addAllInitializer(c.constants);
        tg.addAllNode(c.nodes);
        tg.addOutput(GraphBuilder.valueInfo(lossOut, DataType.FLOAT));
        tg.addOutput(GraphBuilder.valueInfo(logits, DataType.FLOAT, boxed(logitsShape)));
        for (var e : grads.entrySet()) {
            tg.addOutput(GraphBuilder.valueInfo(e.getValue(), DataType.FLOAT, boxed(paramShapes.get(e.getKey()))));
        }
        for (var e : c.extraOutputs.entrySet()) {
            tg.addOutput(GraphBuilder.valueInfo(e.getKey(), DataType.FLOAT, boxed(e.getValue())));
        }
        long newOpset = Math.max(opset, TRAINING_OPSET);
        ModelProto.Builder mb = forward.proto().toBuilder().clearGraph().clearOpsetImport().clearMetadataProps()
                .setIrVersion(Math.max(forward.proto().getIrVersion(), GraphBuilder.irVersionFor(newOpset)));
        for (OperatorSetIdProto o : forward.proto().getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                mb.addOpsetImport(o.toBuilder().setVersion(newOpset));
            } else {
                mb.addOpsetImport(o);
            }
        }
        mb.setGraph(tg);
        return new TrainingGraph(OnnxModel.of(mb.build(), "<training graph of " + forward.origin() + ">"), batch,
                dataInput.getName(), dataShape, logits, logitsShape, lossOut, loss.inputs(), grads, paramShapes,
                List.copyOf(c.runningStats), frozen);
    }

    static Object[] boxed(long[] dims) {
        Object[] o = new Object[dims.length];
        for (int i = 0; i < dims.length; i++) {
            o[i] = dims[i];
        }
        return o;
    }

    private static long[] batchShape(ValueInfoProto in, int batch) {
        List<TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
        if (dims.isEmpty()) {
            throw new IllegalArgumentException("input '" + in.getName() + "' has no shape");
        }
        long[] s = new long[dims.size()];
        s[0] = batch;
        for (int i = 1; i < s.length; i++) {
            if (!dims.get(i).hasDimValue()) {
                throw new IllegalArgumentException("input '" + in.getName() + "' has a symbolic dimension " + i
                        + "; training needs fixed sizes except the batch");
            }
            s[i] = dims.get(i).getDimValue();
        }
        return s;
    }

    /** Values the first output depends on (including initializers and inputs). */
    static Set<String> ancestorValues(GraphProto g) {
        Map<String, NodeProto> producer = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
        }
        Set<String> seen = new HashSet<>();
        List<String> stack = new ArrayList<>();
        if (g.getOutputCount() > 0) {
            stack.add(g.getOutput(0).getName());
        }
        while (!stack.isEmpty()) {
            String v = stack.remove(stack.size() - 1);
            if (v.isEmpty() || !seen.add(v)) {
                continue;
            }
            NodeProto n = producer.get(v);
            if (n != null) {
                seen.addAll(n.getOutputList());
                stack.addAll(n.getInputList());
            }
        }
        return seen;
    }

    /** Element types of values, propagated through the graph (enough to expose float values). */
    static Map<String, Integer> elemTypes(GraphProto g) {
        Map<String, Integer> types = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            types.put(t.getName(), t.getDataType());
        }
        for (ValueInfoProto v : g.getInputList()) {
            types.putIfAbsent(v.getName(), v.getType().getTensorType().getElemType());
        }
        for (NodeProto n : g.getNodeList()) {
            int first = n.getInputCount() > 0 ? types.getOrDefault(n.getInput(0), DataType.FLOAT_VALUE) : DataType.FLOAT_VALUE;
            for (int i = 0; i < n.getOutputCount(); i++) {
                int t = switch (n.getOpType()) {
                    case "Shape", "Size", "ArgMax", "ArgMin", "NonZero" -> DataType.INT64_VALUE;
                    case "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Not", "And", "Or", "IsNaN" ->
                            DataType.BOOL_VALUE;
                    case "Cast" -> (int) GradRules.intAttr(n, "to", DataType.FLOAT_VALUE);
                    case "Constant" -> constantType(n);
                    case "MaxPool", "TopK" -> i == 1 ? DataType.INT64_VALUE : first;
                    case "Dropout" -> i == 1 ? DataType.BOOL_VALUE : first;
                    case "Gather", "GatherElements", "GatherND", "Where" ->
                            n.getInputCount() > 1 ? types.getOrDefault(n.getInput(n.getOpType().equals("Where") ? 1 : 0),
                                    DataType.FLOAT_VALUE) : first;
                    default -> first;
                };
                types.put(n.getOutput(i), t);
            }
        }
        return types;
    }

    private static int constantType(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value")) {
                return a.getT().getDataType();
            }
            if (a.getName().startsWith("value_int")) {
                return DataType.INT64_VALUE;
            }
        }
        return DataType.FLOAT_VALUE;
    }

    /** Shapes of every float value of the forward pass at the training batch size, by running it once. */
    static Map<String, long[]> probeShapes(OnnxModel forward, String dataName, long[] dataShape, Set<String> anc) {
        GraphProto g = forward.graph();
        Map<String, long[]> shapes = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            shapes.put(t.getName(), io.tinyfleet.runtime.model.Tensors.dims(t));
        }
        shapes.put(dataName, dataShape);
        Map<String, Integer> types = elemTypes(g);
        Set<String> declared = new HashSet<>();
        g.getOutputList().forEach(o -> declared.add(o.getName()));
        GraphProto.Builder pg = g.toBuilder();
        List<String> probe = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty() && anc.contains(o) && types.getOrDefault(o, 0) == DataType.FLOAT_VALUE) {
                    probe.add(o);
                    if (!declared.contains(o)) {
                        pg.addOutput(ValueInfoProto.newBuilder().setName(o).setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder()
                                .setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder()
                                        .setElemType(DataType.FLOAT_VALUE))));
                    }
                }
            }
        }
        ModelProto pm = forward.proto().toBuilder().setGraph(pg).build();
        long n = 1;
        for (long d : dataShape) {
            n *= d;
        }
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            so.setIntraOpNumThreads(1);
            try (OrtSession s = Ort.env().createSession(pm.toByteArray(), so);
                 OnnxTensor in = OnnxTensor.createTensor(Ort.env(),
                         ByteBuffer.allocateDirect((int) n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer(), dataShape);
                 OrtSession.Result r = s.run(Map.of(dataName, in), new LinkedHashSet<>(probe))) {
                for (var e : r) {
                    OnnxValue v = e.getValue();
                    if (v instanceof OnnxTensor t) {
                        shapes.put(e.getKey(), t.getInfo().getShape());
                    }
                }
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("cannot run the model at batch " + dataShape[0] + " to find shapes: "
                    + e.getMessage(), e);
        }
        return shapes;
    }
}
