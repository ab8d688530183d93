package io.tinyfleet.runtime.inspect;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small static shape inference over the main graph, for counting MACs: tensor shapes from the
 * graph inputs (a symbolic leading dimension is taken as batch 1, other symbolic dimensions stay
 * unknown) through the common CNN/MLP ops, with constant folding of small integer tensors (for
 * Reshape targets computed by Shape/Gather/Concat chains). Where a rule is missing or an input is
 * unknown the output is unknown ({@link #UNKNOWN} dimensions or no shape at all), never guessed;
 * shapes the model itself declares in {@code value_info} fill the gaps.
 *
 * <p>Follows the operator definitions of the ONNX specification (onnx/docs/Operators.md), including
 * the attribute-to-input moves across opsets 7-21 (Reshape, Squeeze/Unsqueeze, Slice, Pad, Split,
 * Reduce*, Upsample/Resize).
 */
public final class ShapeInference {

    /** An unknown dimension. */
    public static final long UNKNOWN = -1;

    private static final Set<String> SAME_SHAPE = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu",
            "Selu", "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Gelu", "Mish", "Celu", "ThresholdedRelu",
            "Softmax", "LogSoftmax", "Hardmax", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Floor", "Ceil",
            "Round", "Sign", "Not", "Erf", "Sin", "Cos", "Tan", "Atan", "Asin", "Acos", "IsNaN", "IsInf",
            "BatchNormalization", "InstanceNormalization", "LayerNormalization", "LpNormalization", "LRN",
            "MeanVarianceNormalization", "Clip", "Dropout", "QuantizeLinear", "DequantizeLinear", "Identity",
            "Cast", "CastLike", "Shrink", "Trilu", "CumSum", "BitShift", "DynamicQuantizeLinear");
    private static final Set<String> BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum",
            "Mean", "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "And", "Or", "Xor", "Where",
            "PRelu", "Mod", "BitwiseAnd", "BitwiseOr", "BitwiseXor");
    private static final int CONST_LIMIT = 4096;

    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, long[]> consts = new HashMap<>();
    private final Map<String, double[]> floatConsts = new HashMap<>();
    private final Map<String, long[]> declared = new HashMap<>();
    private final Set<String> batchParams = new HashSet<>();
    private final Set<String> unsupported = new LinkedHashSet<>();
    private final long opset;

    private ShapeInference(long opset) {
        this.opset = opset;
    }

    /** Infers the shapes of every value of the main graph of {@code model}. */
    public static ShapeInference of(OnnxModel model) {
        ShapeInference si = new ShapeInference(model.defaultOpset());
        si.run(model.graph());
        return si;
    }

    /** The shape of value {@code name} ({@link #UNKNOWN} for unknown dimensions), if its rank is known. */
    public Optional<long[]> shape(String name) {
        long[] s = shapes.get(name);
        return Optional.ofNullable(s == null ? null : s.clone());
    }

    /** Whether every dimension of {@code name} is known. */
    public boolean known(String name) {
        long[] s = shapes.get(name);
        return s != null && Arrays.stream(s).allMatch(d -> d >= 0);
    }

    /** Op types for which no shape rule exists (their outputs are unknown). */
    public Set<String> unsupportedOps() {
        return Set.copyOf(unsupported);
    }

    private void run(GraphProto g) {
        Set<String> inits = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.add(t.getName());
        }
        for (ValueInfoProto vi : g.getInputList()) {
            if (!inits.contains(vi.getName()) && vi.getType().hasTensorType()) {
                List<TensorShapeProto.Dimension> dims = vi.getType().getTensorType().getShape().getDimList();
                if (!dims.isEmpty() && !dims.get(0).hasDimValue() && dims.get(0).hasDimParam()) {
                    batchParams.add(dims.get(0).getDimParam());
                }
            }
        }
        for (ValueInfoProto vi : g.getInputList()) {
            if (!inits.contains(vi.getName())) {
                long[] s = fromProto(vi, true);
                if (s != null) {
                    shapes.put(vi.getName(), s);
                }
            }
        }
        for (ValueInfoProto vi : g.getValueInfoList()) {
            long[] s = fromProto(vi, false);
            if (s != null) {
                declared.put(vi.getName(), s);
            }
        }
        for (ValueInfoProto vi : g.getOutputList()) {
            long[] s = fromProto(vi, false);
            if (s != null) {
                declared.put(vi.getName(), s);
            }
        }
        for (TensorProto t : g.getInitializerList()) {
            constant(t.getName(), t);
        }
        for (NodeProto n : g.getNodeList()) {
            try {
                node(n);
            } catch (RuntimeException e) {
                // a malformed attribute or an inconsistent shape: leave the outputs unknown
            }
            for (String out : n.getOutputList()) {
                if (!out.isEmpty() && !shapes.containsKey(out) && declared.containsKey(out)) {
                    shapes.put(out, declared.get(out));
                }
            }
        }
    }

    private long[] fromProto(ValueInfoProto vi, boolean isInput) {
        if (!vi.getType().hasTensorType() || !vi.getType().getTensorType().hasShape()) {
            return null;
        }
        List<TensorShapeProto.Dimension> dims = vi.getType().getTensorType().getShape().getDimList();
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            if (d.hasDimValue() && d.getDimValue() >= 0) {
                s[i] = d.getDimValue();
            } else if ((isInput && i == 0) || (d.hasDimParam() && batchParams.contains(d.getDimParam()))) {
                s[i] = 1;
            } else {
                s[i] = UNKNOWN;
            }
        }
        return s;
    }

    private void constant(String name, TensorProto t) {
        shapes.put(name, Tensors.dims(t));
        if (Tensors.numel(t) <= CONST_LIMIT) {
            try {
                if (Tensors.isFloating(t)) {
                    float[] f = Tensors.toFloats(t);
                    double[] d = new double[f.length];
                    for (int i = 0; i < f.length; i++) {
                        d[i] = f[i];
                    }
                    floatConsts.put(name, d);
                } else {
                    consts.put(name, Tensors.toLongs(t));
                }
            } catch (RuntimeException ignored) {
                // not a numeric type we fold
            }
        }
    }

    private long[] in(NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            return null;
        }
        return shapes.get(n.getInput(i));
    }

    private long[] cin(NodeProto n, int i) {
        return i < n.getInputCount() ? consts.get(n.getInput(i)) : null;
    }

    private void out(NodeProto n, int i, long[] s) {
        if (s != null && i < n.getOutputCount() && !n.getOutput(i).isEmpty()) {
            shapes.put(n.getOutput(i), s);
        }
    }

    private void node(NodeProto n) {
        String op = n.getOpType();
        String domain = n.getDomain();
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            unsupported.add(domain + "." + op);
            return;
        }
        if (SAME_SHAPE.contains(op)) {
            long[] x = in(n, 0);
            out(n, 0, x);
            if (op.equals("Dropout") || op.equals("DynamicQuantizeLinear")) {
                out(n, 1, op.equals("Dropout") ? x : new long[0]);
                out(n, 2, op.equals("Dropout") ? null : new long[0]);
            }
            if (op.equals("BatchNormalization") || op.equals("LayerNormalization")) {
                // extra training outputs are rare in inference models; leave them unknown
            }
            if ((op.equals("Identity") || op.equals("Cast")) && cin(n, 0) != null) {
                consts.put(n.getOutput(0), cin(n, 0));
            }
            if (op.equals("Identity") && floatConsts.containsKey(n.getInput(0))) {
                floatConsts.put(n.getOutput(0), floatConsts.get(n.getInput(0)));
            }
            return;
        }
        if (BROADCAST.contains(op)) {
            long[] r = new long[0];
            for (int i = 0; i < n.getInputCount(); i++) {
                long[] s = in(n, i);
                if (s == null) {
                    return;
                }
                r = broadcast(r, s);
            }
            out(n, 0, r);
            foldArithmetic(n, op);
            return;
        }
        switch (op) {
            case "Constant" -> constantNode(n);
            case "Conv", "ConvInteger" -> out(n, 0, conv(n, in(n, 0), in(n, 1)));
            case "QLinearConv" -> out(n, 0, conv(n, in(n, 0), in(n, 3)));
            case "ConvTranspose" -> out(n, 0, convTranspose(n));
            case "MaxPool", "AveragePool", "LpPool" -> {
                long[] s = pool(n, in(n, 0));
                out(n, 0, s);
                out(n, 1, s);
            }
            case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool" -> {
                long[] x = in(n, 0);
                if (x != null) {
                    long[] s = x.clone();
                    for (int i = 2; i < s.length; i++) {
                        s[i] = 1;
                    }
                    out(n, 0, s);
                }
            }
            case "Gemm" -> out(n, 0, gemm(n));
            case "MatMul", "MatMulInteger" -> out(n, 0, matmul(in(n, 0), in(n, 1)));
            case "QLinearMatMul" -> out(n, 0, matmul(in(n, 0), in(n, 3)));
            case "Flatten" -> flatten(n);
            case "Reshape" -> reshape(n);
            case "Transpose" -> transpose(n);
            case "Concat" -> concat(n);
            case "Squeeze", "Unsqueeze" -> squeeze(n, op.equals("Unsqueeze"));
            case "Shape" -> shapeOp(n);
            case "Size" -> {
                out(n, 0, new long[0]);
            }
            case "Gather" -> gather(n);
            case "Slice" -> slice(n);
            case "Pad" -> pad(n);
            case "Resize", "Upsample" -> resize(n);
            case "Split" -> split(n);
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                 "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin" -> reduce(n, op);
            case "Expand" -> {
                long[] x = in(n, 0);
                long[] t = cin(n, 1);
                if (x != null && t != null) {
                    out(n, 0, broadcast(x, t));
                }
            }
            case "Tile" -> {
                long[] x = in(n, 0);
                long[] rep = cin(n, 1);
                if (x != null && rep != null && rep.length == x.length) {
                    long[] s = x.clone();
                    for (int i = 0; i < s.length; i++) {
                        s[i] = mul(s[i], rep[i]);
                    }
                    out(n, 0, s);
                }
            }
            case "DepthToSpace", "SpaceToDepth" -> {
                long[] x = in(n, 0);
                long b = attrInt(n, "blocksize", 1);
                if (x != null && x.length == 4) {
                    boolean d2s = op.equals("DepthToSpace");
                    out(n, 0, new long[] {x[0], d2s ? div(x[1], b * b) : mul(x[1], b * b),
                        d2s ? mul(x[2], b) : div(x[2], b), d2s ? mul(x[3], b) : div(x[3], b)});
                }
            }
            default -> unsupported.add(op);
        }
    }

    private void constantNode(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value" -> {
                    TensorProto t = a.getT().toBuilder().setName(n.getOutput(0)).build();
                    constant(n.getOutput(0), t);
                }
                case "value_int" -> {
                    shapes.put(n.getOutput(0), new long[0]);
                    consts.put(n.getOutput(0), new long[] {a.getI()});
                }
                case "value_ints" -> {
                    long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                    shapes.put(n.getOutput(0), new long[] {v.length});
                    consts.put(n.getOutput(0), v);
                }
                case "value_float" -> shapes.put(n.getOutput(0), new long[0]);
                case "value_floats" -> shapes.put(n.getOutput(0), new long[] {a.getFloatsCount()});
                default -> { }
            }
        }
    }

    private void foldArithmetic(NodeProto n, String op) {
        if (n.getInputCount() != 2) {
            return;
        }
        long[] a = cin(n, 0);
        long[] b = cin(n, 1);
        if (a == null || b == null || !(a.length == b.length || a.length == 1 || b.length == 1)) {
            return;
        }
        int len = Math.max(a.length, b.length);
        long[] r = new long[len];
        for (int i = 0; i < len; i++) {
            long x = a[a.length == 1 ? 0 : i];
            long y = b[b.length == 1 ? 0 : i];
            switch (op) {
                case "Add" -> r[i] = x + y;
                case "Sub" -> r[i] = x - y;
                case "Mul" -> r[i] = x * y;
                case "Div" -> {
                    if (y == 0) {
                        return;
                    }
                    r[i] = Math.floorDiv(x, y);
                }
                default -> {
                    return;
                }
            }
        }
        consts.put(n.getOutput(0), r);
    }

    // ---- rules ---------------------------------------------------------------------------------

    static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] s = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (x == 1) {
                s[i] = y;
            } else if (y == 1) {
                s[i] = x;
            } else if (x == y) {
                s[i] = x;
            } else if (x < 0 || y < 0) {
                s[i] = x < 0 ? y : x;
            } else {
                throw new IllegalArgumentException("shapes do not broadcast: " + Arrays.toString(a) + " " + Arrays.toString(b));
            }
        }
        return s;
    }

    private long[] conv(NodeProto n, long[] x, long[] w) {
        if (x == null || w == null || x.length < 3 || w.length != x.length) {
            return null;
        }
        int sp = x.length - 2;
        long[] k = new long[sp];
        for (int i = 0; i < sp; i++) {
            k[i] = w[i + 2];
        }
        long[] ks = attrInts(n, "kernel_shape");
        if (ks != null) {
            k = ks;
        }
        long[] s = new long[x.length];
        s[0] = x[0];
        s[1] = w[0];
        spatial(n, x, k, s, false);
        return s;
    }

    private long[] pool(NodeProto n, long[] x) {
        long[] k = attrInts(n, "kernel_shape");
        if (x == null || k == null || x.length != k.length + 2) {
            return null;
        }
        long[] s = new long[x.length];
        s[0] = x[0];
        s[1] = x[1];
        spatial(n, x, k, s, attrInt(n, "ceil_mode", 0) == 1);
        return s;
    }

    /** Output spatial sizes of Conv and pools (ONNX Conv/MaxPool "auto_pad" and "pads" rules). */
    private void spatial(NodeProto n, long[] x, long[] k, long[] s, boolean ceil) {
        int sp = k.length;
        long[] strides = orDefault(attrInts(n, "strides"), sp, 1);
        long[] dil = orDefault(attrInts(n, "dilations"), sp, 1);
        long[] pads = orDefault(attrInts(n, "pads"), 2 * sp, 0);
        String auto = attrString(n, "auto_pad", "NOTSET");
        for (int i = 0; i < sp; i++) {
            long in = x[i + 2];
            if (in < 0) {
                s[i + 2] = UNKNOWN;
                continue;
            }
            long eff = dil[i] * (k[i] - 1) + 1;
            switch (auto) {
                case "SAME_UPPER", "SAME_LOWER" -> s[i + 2] = Math.floorDiv(in + strides[i] - 1, strides[i]);
                case "VALID" -> s[i + 2] = Math.floorDiv(in - eff, strides[i]) + 1;
                default -> {
                    long num = in + pads[i] + pads[i + sp] - eff;
                    s[i + 2] = (ceil ? Math.floorDiv(num + strides[i] - 1, strides[i]) : Math.floorDiv(num, strides[i])) + 1;
                }
            }
        }
    }

    private long[] convTranspose(NodeProto n) {
        long[] x = in(n, 0);
        long[] w = in(n, 1);
        if (x == null || w == null || x.length < 3 || w.length != x.length) {
            return null;
        }
        int sp = x.length - 2;
        long group = attrInt(n, "group", 1);
        long[] s = new long[x.length];
        s[0] = x[0];
        s[1] = mul(w[1], group);
        long[] os = attrInts(n, "output_shape");
        if (os != null && os.length == sp) {
            System.arraycopy(os, 0, s, 2, sp);
            return s;
        }
        long[] strides = orDefault(attrInts(n, "strides"), sp, 1);
        long[] dil = orDefault(attrInts(n, "dilations"), sp, 1);
        long[] pads = orDefault(attrInts(n, "pads"), 2 * sp, 0);
        long[] opad = orDefault(attrInts(n, "output_padding"), sp, 0);
        String auto = attrString(n, "auto_pad", "NOTSET");
        for (int i = 0; i < sp; i++) {
            long in = x[i + 2];
            if (in < 0) {
                s[i + 2] = UNKNOWN;
            } else if (auto.startsWith("SAME")) {
                s[i + 2] = in * strides[i];
            } else {
                s[i + 2] = strides[i] * (in - 1) + opad[i] + (w[i + 2] - 1) * dil[i] + 1 - pads[i] - pads[i + sp];
            }
        }
        return s;
    }

    private long[] gemm(NodeProto n) {
        long[] a = in(n, 0);
        long[] b = in(n, 1);
        if (a == null || b == null || a.length != 2 || b.length != 2) {
            return null;
        }
        long m = attrInt(n, "transA", 0) == 1 ? a[1] : a[0];
        long nn = attrInt(n, "transB", 0) == 1 ? b[0] : b[1];
        return new long[] {m, nn};
    }

    static long[] matmul(long[] a, long[] b) {
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            return null;
        }
        long[] a2 = a.length == 1 ? new long[] {1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[] {b[0], 1} : b;
        long[] batch = broadcast(Arrays.copyOf(a2, a2.length - 2), Arrays.copyOf(b2, b2.length - 2));
        List<Long> s = new ArrayList<>();
        for (long d : batch) {
            s.add(d);
        }
        if (a.length > 1) {
            s.add(a2[a2.length - 2]);
        }
        if (b.length > 1) {
            s.add(b2[b2.length - 1]);
        }
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    private void flatten(NodeProto n) {
        long[] x = in(n, 0);
        if (x == null) {
            return;
        }
        int axis = (int) attrInt(n, "axis", 1);
        if (axis < 0) {
            axis += x.length;
        }
        out(n, 0, new long[] {prod(x, 0, axis), prod(x, axis, x.length)});
    }

    private void reshape(NodeProto n) {
        long[] x = in(n, 0);
        long[] target = opset < 5 ? attrInts(n, "shape") : cin(n, 1);
        if (target == null) {
            return;
        }
        boolean allowZero = attrInt(n, "allowzero", 0) == 1;
        long[] s = target.clone();
        int inferred = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0 && !allowZero) {
                s[i] = x != null && i < x.length ? x[i] : UNKNOWN;
            } else if (s[i] == -1) {
                inferred = i;
            }
        }
        if (inferred >= 0) {
            long total = x == null ? UNKNOWN : prod(x, 0, x.length);
            long rest = 1;
            for (int i = 0; i < s.length; i++) {
                if (i != inferred) {
                    rest = mul(rest, s[i]);
                }
            }
            s[inferred] = total < 0 || rest <= 0 ? UNKNOWN : total / rest;
        }
        out(n, 0, s);
    }

    private void transpose(NodeProto n) {
        long[] x = in(n, 0);
        if (x == null) {
            return;
        }
        long[] perm = attrInts(n, "perm");
        long[] s = new long[x.length];
        for (int i = 0; i < x.length; i++) {
            s[i] = x[perm == null ? x.length - 1 - i : (int) perm[i]];
        }
        out(n, 0, s);
    }

    private void concat(NodeProto n) {
        long[] first = in(n, 0);
        if (first == null) {
            return;
        }
        int axis = (int) attrInt(n, "axis", 0);
        if (axis < 0) {
            axis += first.length;
        }
        long[] s = first.clone();
        s[axis] = 0;
        List<Long> folded = new ArrayList<>();
        boolean fold = true;
        for (int i = 0; i < n.getInputCount(); i++) {
            long[] x = in(n, i);
            if (x == null) {
                return;
            }
            s[axis] = x[axis] < 0 || s[axis] < 0 ? UNKNOWN : s[axis] + x[axis];
            long[] c = cin(n, i);
            if (c == null) {
                fold = false;
            } else {
                for (long v : c) {
                    folded.add(v);
                }
            }
        }
        out(n, 0, s);
        if (fold && first.length == 1) {
            consts.put(n.getOutput(0), folded.stream().mapToLong(Long::longValue).toArray());
        }
    }

    private void squeeze(NodeProto n, boolean unsqueeze) {
        long[] x = in(n, 0);
        long[] axes = opset < 13 ? attrInts(n, "axes") : cin(n, 1);
        if (x == null) {
            return;
        }
        List<Long> s = new ArrayList<>();
        if (unsqueeze) {
            if (axes == null) {
                return;
            }
            int r = x.length + axes.length;
            Set<Integer> ax = new HashSet<>();
            for (long a : axes) {
                ax.add((int) (a < 0 ? a + r : a));
            }
            int j = 0;
            for (int i = 0; i < r; i++) {
                s.add(ax.contains(i) ? 1L : x[j++]);
            }
        } else {
            Set<Integer> ax = new HashSet<>();
            if (axes != null) {
                for (long a : axes) {
                    ax.add((int) (a < 0 ? a + x.length : a));
                }
            }
            for (int i = 0; i < x.length; i++) {
                boolean drop = axes == null ? x[i] == 1 : ax.contains(i);
                if (!drop) {
                    s.add(x[i]);
                }
            }
        }
        out(n, 0, s.stream().mapToLong(Long::longValue).toArray());
        if (cin(n, 0) != null) {
            consts.put(n.getOutput(0), cin(n, 0));
        }
    }

    private void shapeOp(NodeProto n) {
        long[] x = in(n, 0);
        if (x == null) {
            return;
        }
        int start = (int) attrInt(n, "start", 0);
        int end = (int) attrInt(n, "end", x.length);
        start = Math.max(0, Math.min(x.length, start < 0 ? start + x.length : start));
        end = Math.max(start, Math.min(x.length, end < 0 ? end + x.length : end));
        long[] v = Arrays.copyOfRange(x, start, end);
        out(n, 0, new long[] {v.length});
        if (Arrays.stream(v).allMatch(d -> d >= 0)) {
            consts.put(n.getOutput(0), v);
        }
    }

    private void gather(NodeProto n) {
        long[] x = in(n, 0);
        long[] idx = in(n, 1);
        if (x == null || idx == null) {
            return;
        }
        int axis = (int) attrInt(n, "axis", 0);
        if (axis < 0) {
            axis += x.length;
        }
        long[] s = new long[x.length - 1 + idx.length];
        int j = 0;
        for (int i = 0; i < axis; i++) {
            s[j++] = x[i];
        }
        for (long d : idx) {
            s[j++] = d;
        }
        for (int i = axis + 1; i < x.length; i++) {
            s[j++] = x[i];
        }
        out(n, 0, s);
        long[] data = cin(n, 0);
        long[] ind = cin(n, 1);
        if (data != null && ind != null && x.length == 1) {
            long[] v = new long[ind.length];
            for (int i = 0; i < ind.length; i++) {
                v[i] = data[(int) (ind[i] < 0 ? ind[i] + data.length : ind[i])];
            }
            consts.put(n.getOutput(0), v);
        }
    }

    private void slice(NodeProto n) {
        long[] x = in(n, 0);
        if (x == null) {
            return;
        }
        long[] starts = opset < 10 ? attrInts(n, "starts") : cin(n, 1);
        long[] ends = opset < 10 ? attrInts(n, "ends") : cin(n, 2);
        long[] axes = opset < 10 ? attrInts(n, "axes") : cin(n, 3);
        long[] steps = opset < 10 ? null : cin(n, 4);
        if (starts == null || ends == null || (opset >= 10 && n.getInputCount() > 3 && !n.getInput(3).isEmpty() && axes == null)
                || (opset >= 10 && n.getInputCount() > 4 && !n.getInput(4).isEmpty() && steps == null)) {
            return;
        }
        long[] s = x.clone();
        long[] src = cin(n, 0);
        long[] folded = null;
        for (int i = 0; i < starts.length; i++) {
            int a = axes == null ? i : (int) (axes[i] < 0 ? axes[i] + x.length : axes[i]);
            long step = steps == null ? 1 : steps[i];
            long dim = x[a];
            if (dim < 0) {
                s[a] = UNKNOWN;
                continue;
            }
            long st = clampIndex(starts[i], dim, step);
            long en = clampIndex(ends[i], dim, step);
            s[a] = step > 0 ? Math.max(0, Math.floorDiv(en - st + step - 1, step))
                    : Math.max(0, Math.floorDiv(st - en - step - 1, -step));
            if (src != null && x.length == 1) {
                folded = new long[(int) s[a]];
                for (int k = 0; k < folded.length; k++) {
                    folded[k] = src[(int) (st + k * step)];
                }
            }
        }
        out(n, 0, s);
        if (folded != null) {
            consts.put(n.getOutput(0), folded);
        }
    }

    private static long clampIndex(long v, long dim, long step) {
        long r = v < 0 ? v + dim : v;
        return step > 0 ? Math.max(0, Math.min(dim, r)) : Math.max(-1, Math.min(dim - 1, r));
    }

    private void pad(NodeProto n) {
        long[] x = in(n, 0);
        long[] pads = opset < 11 ? attrInts(n, "pads") : cin(n, 1);
        if (x == null || pads == null) {
            return;
        }
        long[] axes = opset >= 18 ? cin(n, 3) : null;
        long[] s = x.clone();
        int k = axes == null ? x.length : axes.length;
        for (int i = 0; i < k; i++) {
            int a = axes == null ? i : (int) (axes[i] < 0 ? axes[i] + x.length : axes[i]);
            s[a] = s[a] < 0 ? UNKNOWN : s[a] + pads[i] + pads[i + k];
        }
        out(n, 0, s);
    }

    private void resize(NodeProto n) {
        long[] x = in(n, 0);
        if (x == null) {
            return;
        }
        double[] scales = null;
        long[] sizes = null;
        if (n.getOpType().equals("Upsample")) {
            scales = opset < 9 ? attrFloats(n, "scales") : floatConsts.get(n.getInputCount() > 1 ? n.getInput(1) : "");
        } else if (opset < 11) {
            scales = floatConsts.get(n.getInputCount() > 1 ? n.getInput(1) : "");
        } else {
            scales = n.getInputCount() > 2 ? floatConsts.get(n.getInput(2)) : null;
            sizes = cin(n, 3);
        }
        if (sizes != null && sizes.length == x.length) {
            out(n, 0, sizes.clone());
        } else if (scales != null && scales.length == x.length) {
            long[] s = new long[x.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = x[i] < 0 ? UNKNOWN : (long) Math.floor(x[i] * scales[i]);
            }
            out(n, 0, s);
        }
    }

    private void split(NodeProto n) {
        long[] x = in(n, 0);
        if (x == null) {
            return;
        }
        int axis = (int) attrInt(n, "axis", 0);
        if (axis < 0) {
            axis += x.length;
        }
        long[] parts = opset < 13 ? attrInts(n, "split") : cin(n, 1);
        int outs = n.getOutputCount();
        for (int i = 0; i < outs; i++) {
            long[] s = x.clone();
            if (parts != null && parts.length == outs) {
                s[axis] = parts[i];
            } else {
                s[axis] = x[axis] < 0 ? UNKNOWN : (x[axis] + outs - 1) / outs;
                if (x[axis] >= 0 && x[axis] % outs != 0) {
                    s[axis] = i < outs - 1 ? s[axis] : x[axis] - s[axis] * (outs - 1);
                }
            }
            out(n, i, s);
        }
    }

    private void reduce(NodeProto n, String op) {
        long[] x = in(n, 0);
        if (x == null) {
            return;
        }
        boolean keep = attrInt(n, "keepdims", 1) == 1;
        long[] axes;
        boolean axesAsInput = op.equals("ReduceSum") ? opset >= 13 : (!op.startsWith("Arg") && opset >= 18);
        if (op.startsWith("Arg")) {
            axes = new long[] {attrInt(n, "axis", 0)};
        } else if (axesAsInput) {
            axes = n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? cin(n, 1) : null;
            if (axes == null && n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
                return;
            }
        } else {
            axes = attrInts(n, "axes");
        }
        Set<Integer> ax = new HashSet<>();
        if (axes == null || axes.length == 0) {
            if (attrInt(n, "noop_with_empty_axes", 0) == 1) {
                out(n, 0, x);
                return;
            }
            for (int i = 0; i < x.length; i++) {
                ax.add(i);
            }
        } else {
            for (long a : axes) {
                ax.add((int) (a < 0 ? a + x.length : a));
            }
        }
        List<Long> s = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (ax.contains(i)) {
                if (keep) {
                    s.add(1L);
                }
            } else {
                s.add(x[i]);
            }
        }
        out(n, 0, s.stream().mapToLong(Long::longValue).toArray());
    }

    // ---- helpers -------------------------------------------------------------------------------

    static long prod(long[] s, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            p = mul(p, s[i]);
        }
        return p;
    }

    static long mul(long a, long b) {
        return a < 0 || b < 0 ? UNKNOWN : a * b;
    }

    private static long div(long a, long b) {
        return a < 0 || b <= 0 ? UNKNOWN : a / b;
    }

    private static long[] orDefault(long[] v, int len, long def) {
        if (v != null && v.length == len) {
            return v;
        }
        long[] d = new long[len];
        Arrays.fill(d, def);
        return d;
    }

    static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    static long attrInt(NodeProto n, String name, long def) {
        AttributeProto a = attr(n, name);
        return a == null ? def : a.getI();
    }

    static long[] attrInts(NodeProto n, String name) {
        AttributeProto a = attr(n, name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static double[] attrFloats(NodeProto n, String name) {
        AttributeProto a = attr(n, name);
        return a == null ? null : a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray();
    }

    static String attrString(NodeProto n, String name, String def) {
        AttributeProto a = attr(n, name);
        return a == null ? def : a.getS().toStringUtf8();
    }
}
