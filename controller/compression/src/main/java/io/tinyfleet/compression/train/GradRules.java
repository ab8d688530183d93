package io.tinyfleet.compression.train;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The gradient rules, one per ONNX operator type. Every rule is checked against finite
 * differences of a double-precision Java reference in the tests.
 *
 * <p>Recipes (verified on ONNX Runtime 1.23): Conv dX = ConvTranspose(dY, W) with a computed
 * {@code output_padding}; Conv dW = a grouped Conv of the channel-transposed input with dY as
 * the kernel (strides and dilations swapped), sliced and transposed; MaxPool through its
 * {@code Indices} output and MaxUnpool when windows are disjoint, otherwise ScatterElements with
 * reduction "add"; BatchNormalization in training mode with batch
 * statistics (Ioffe and Szegedy, "Batch Normalization", ICML 2015) and running statistics
 * written back by the trainer.
 */
public final class GradRules {

    private static final Map<String, GradRule> RULES = new TreeMap<>();

    static {
        RULES.put("Identity", new Passthrough());
        RULES.put("Flatten", new Passthrough());
        RULES.put("Reshape", new Passthrough());
        RULES.put("Squeeze", new Passthrough());
        RULES.put("Unsqueeze", new Passthrough());
        RULES.put("Add", new Arith("Add"));
        RULES.put("Sub", new Arith("Sub"));
        RULES.put("Mul", new Arith("Mul"));
        RULES.put("Div", new Arith("Div"));
        RULES.put("Gemm", new Gemm());
        RULES.put("MatMul", new MatMul());
        RULES.put("Relu", new Relu());
        RULES.put("LeakyRelu", new LeakyRelu());
        RULES.put("Sigmoid", new Sigmoid());
        RULES.put("Tanh", new Tanh());
        RULES.put("Softmax", new Softmax(false));
        RULES.put("LogSoftmax", new Softmax(true));
        RULES.put("Transpose", new Transpose());
        RULES.put("Concat", new Concat());
        RULES.put("Gather", new Gather());
        RULES.put("Dropout", new Dropout());
        RULES.put("Conv", new Conv());
        RULES.put("MaxPool", new MaxPool());
        RULES.put("AveragePool", new AveragePool());
        RULES.put("GlobalAveragePool", new GlobalAveragePool());
        RULES.put("BatchNormalization", new BatchNorm());
    }

    private GradRules() {
    }

    /** The rule for an operator type (default domain), if there is one. */
    public static Optional<GradRule> forOp(NodeProto node) {
        if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
            return Optional.empty();
        }
        return Optional.ofNullable(RULES.get(node.getOpType()));
    }

    /** Operator types that have a gradient rule. */
    public static List<String> supportedOps() {
        return List.copyOf(RULES.keySet());
    }

    // ---------------------------------------------------------------- attribute helpers

    static AttributeProto attr(String name, long v) {
        return GraphBuilder.attr(name, v);
    }

    static long intAttr(NodeProto n, String name, long dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    static float floatAttr(NodeProto n, String name, float dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getF();
            }
        }
        return dflt;
    }

    static String stringAttr(NodeProto n, String name, String dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getS().toStringUtf8();
            }
        }
        return dflt;
    }

    static long[] intsAttr(NodeProto n, String name, long[] dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return dflt;
    }

    static long[] filled(int n, long v) {
        long[] a = new long[n];
        Arrays.fill(a, v);
        return a;
    }

    static String in(NodeProto n, int i) {
        return i < n.getInputCount() ? n.getInput(i) : "";
    }

    static boolean wants(GradContext c, NodeProto n, int i) {
        String v = in(n, i);
        return !v.isEmpty() && c.needs(v);
    }

    // ---------------------------------------------------------------- rules

    /**
     * A rule whose only differentiable input is the first (activations, shape ops, pools): {@link #dx}
     * runs when the output has a gradient and the input needs one.
     */
    abstract static class FirstInputRule implements GradRule {
        @Override
        public final boolean differentiable(NodeProto n, int i) {
            return i == 0;
        }

        @Override
        public final void backward(NodeProto n, GradContext c) {
            String g = c.grad(n.getOutput(0));
            if (g != null && wants(c, n, 0)) {
                c.addGrad(n.getInput(0), dx(n, g, c));
            }
        }

        /** The gradient of input 0, given {@code g}, the gradient of output 0. */
        abstract String dx(NodeProto n, String g, GradContext c);
    }

    /** Shape-only ops: the gradient is reshaped back to the input's shape. */
    static final class Passthrough extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            return c.reshape(g, c.shape(n.getInput(0)));
        }
    }

    /** Add, Sub, Mul, Div with numpy broadcasting. */
    record Arith(String op) implements GradRule {
        public boolean differentiable(NodeProto n, int i) {
            return i < 2;
        }

        public void backward(NodeProto n, GradContext c) {
            String g = c.grad(n.getOutput(0));
            if (g == null) {
                return;
            }
            String a = n.getInput(0);
            String b = n.getInput(1);
            long[] ys = c.shape(n.getOutput(0));
            if (c.needs(a)) {
                String ga = switch (op) {
                    case "Add", "Sub" -> g;
                    case "Mul" -> c.op("Mul", List.of(g, b));
                    default -> c.op("Div", List.of(g, b));
                };
                c.addGrad(a, c.unbroadcast(ga, ys, c.shape(a)));
            }
            if (c.needs(b)) {
                String gb = switch (op) {
                    case "Add" -> g;
                    case "Sub" -> c.op("Neg", List.of(g));
                    case "Mul" -> c.op("Mul", List.of(g, a));
                    default -> c.op("Neg", List.of(c.op("Div", List.of(c.op("Mul", List.of(g, n.getOutput(0))), b))));
                };
                c.addGrad(b, c.unbroadcast(gb, ys, c.shape(b)));
            }
        }
    }

    /** Gemm: Y = alpha * A' B' + beta * C. */
    static final class Gemm implements GradRule {
        public boolean differentiable(NodeProto n, int i) {
            return i < 3;
        }

        private static String gemm(GradContext c, String x, String y, boolean tx, boolean ty, float alpha) {
            List<AttributeProto> attrs = new ArrayList<>();
            if (tx) {
                attrs.add(attr("transA", 1));
            }
            if (ty) {
                attrs.add(attr("transB", 1));
            }
            if (alpha != 1f) {
                attrs.add(GraphBuilder.attr("alpha", alpha));
            }
            return c.op("Gemm", List.of(x, y), attrs.toArray(new AttributeProto[0]));
        }

        public void backward(NodeProto n, GradContext c) {
            String g = c.grad(n.getOutput(0));
            if (g == null) {
                return;
            }
            boolean ta = intAttr(n, "transA", 0) != 0;
            boolean tb = intAttr(n, "transB", 0) != 0;
            float alpha = floatAttr(n, "alpha", 1f);
            float beta = floatAttr(n, "beta", 1f);
            String a = n.getInput(0);
            String b = n.getInput(1);
            if (c.needs(a)) {
                c.addGrad(a, ta ? gemm(c, b, g, tb, true, alpha) : gemm(c, g, b, false, !tb, alpha));
            }
            if (c.needs(b)) {
                c.addGrad(b, tb ? gemm(c, g, a, true, ta, alpha) : gemm(c, a, g, !ta, false, alpha));
            }
            if (wants(c, n, 2)) {
                String cc = n.getInput(2);
                c.addGrad(cc, c.unbroadcast(c.scale(g, beta), c.shape(n.getOutput(0)), c.shape(cc)));
            }
        }
    }

    /** MatMul, 2-D or batched with broadcasting (inputs of rank at least 2). */
    static final class MatMul implements GradRule {
        public boolean differentiable(NodeProto n, int i) {
            return i < 2;
        }

        private static long[] swapLast(int rank) {
            long[] p = new long[rank];
            for (int i = 0; i < rank; i++) {
                p[i] = i;
            }
            p[rank - 1] = rank - 2;
            p[rank - 2] = rank - 1;
            return p;
        }

        public void backward(NodeProto n, GradContext c) {
            String g = c.grad(n.getOutput(0));
            if (g == null) {
                return;
            }
            String a = n.getInput(0);
            String b = n.getInput(1);
            long[] as = c.shape(a);
            long[] bs = c.shape(b);
            long[] ys = c.shape(n.getOutput(0));
            if (as.length < 2 || bs.length < 2) {
                throw new IllegalArgumentException("MatMul '" + n.getName() + "': gradients need inputs of rank >= 2");
            }
            if (c.needs(a)) {
                String bt = c.op("Transpose", List.of(b), GraphBuilder.ints("perm", swapLast(bs.length)));
                String ga = c.op("MatMul", List.of(g, bt));
                long[] gs = ys.clone();
                gs[gs.length - 1] = as[as.length - 1];
                c.addGrad(a, c.unbroadcast(ga, gs, as));
            }
            if (c.needs(b)) {
                String at = c.op("Transpose", List.of(a), GraphBuilder.ints("perm", swapLast(as.length)));
                String gb = c.op("MatMul", List.of(at, g));
                long[] gs = ys.clone();
                gs[gs.length - 2] = bs[bs.length - 2];
                c.addGrad(b, c.unbroadcast(gb, gs, bs));
            }
        }
    }

    static final class Relu extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            String pos = c.op("Greater", List.of(n.getOutput(0), c.scalar(0f)));
            return c.op("Where", List.of(pos, g, c.scalar(0f)));
        }
    }

    static final class LeakyRelu extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            float alpha = floatAttr(n, "alpha", 0.01f);
            String pos = c.op("Greater", List.of(n.getInput(0), c.scalar(0f)));
            return c.op("Where", List.of(pos, g, c.scale(g, alpha)));
        }
    }

    static final class Sigmoid extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            String y = n.getOutput(0);
            String oneMinus = c.op("Sub", List.of(c.scalar(1f), y));
            return c.op("Mul", List.of(g, c.op("Mul", List.of(y, oneMinus))));
        }
    }

    static final class Tanh extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            String y = n.getOutput(0);
            String d = c.op("Sub", List.of(c.scalar(1f), c.op("Mul", List.of(y, y))));
            return c.op("Mul", List.of(g, d));
        }
    }

    /** Softmax: dX = Y (dY - sum(dY Y)); LogSoftmax: dX = dY - exp(Y) sum(dY). Opset 13+ semantics. */
    static final class Softmax extends FirstInputRule {
        private final boolean log;

        Softmax(boolean log) {
            this.log = log;
        }

        @Override
        String dx(NodeProto n, String g, GradContext c) {
            String y = n.getOutput(0);
            long axis = intAttr(n, "axis", -1);
            if (axis < 0) {
                axis += c.shape(y).length;
            }
            if (log) {
                String s = c.reduceSum(g, new long[] {axis}, true);
                return c.op("Sub", List.of(g, c.op("Mul", List.of(c.op("Exp", List.of(y)), s))));
            }
            String s = c.reduceSum(c.op("Mul", List.of(g, y)), new long[] {axis}, true);
            return c.op("Mul", List.of(y, c.op("Sub", List.of(g, s))));
        }
    }

    static final class Transpose extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            int rank = c.shape(n.getInput(0)).length;
            long[] dflt = new long[rank];
            for (int i = 0; i < rank; i++) {
                dflt[i] = rank - 1 - i;
            }
            long[] perm = intsAttr(n, "perm", dflt);
            long[] inv = new long[rank];
            for (int i = 0; i < rank; i++) {
                inv[(int) perm[i]] = i;
            }
            return c.op("Transpose", List.of(g), GraphBuilder.ints("perm", inv));
        }
    }

    static final class Concat implements GradRule {
        public boolean differentiable(NodeProto n, int i) {
            return true;
        }

        public void backward(NodeProto n, GradContext c) {
            String g = c.grad(n.getOutput(0));
            if (g == null) {
                return;
            }
            int rank = c.shape(n.getOutput(0)).length;
            long axis = intAttr(n, "axis", 0);
            if (axis < 0) {
                axis += rank;
            }
            long start = 0;
            for (int i = 0; i < n.getInputCount(); i++) {
                long len = c.shape(n.getInput(i))[(int) axis];
                if (c.needs(n.getInput(i))) {
                    c.addGrad(n.getInput(i), c.op("Slice", List.of(g, c.longs(start), c.longs(start + len), c.longs(axis))));
                }
                start += len;
            }
        }
    }

    /** Gather along axis 0 (codebooks, embeddings): the gradient is scattered back with reduction "add". */
    static final class Gather extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            if (intAttr(n, "axis", 0) != 0) {
                throw new IllegalArgumentException("Gather '" + n.getName() + "': gradients only along axis 0");
            }
            String data = n.getInput(0);
            String idx = c.op("Cast", List.of(n.getInput(1)), attr("to", TensorProto.DataType.INT64_VALUE));
            String idx1 = c.op("Unsqueeze", List.of(idx, c.longs(-1)));
            String zeros = c.op("ConstantOfShape", List.of(c.longs(c.shape(data))),
                    GraphBuilder.tensorAttr("value", Tensors.floats("zero", new long[] {1}, new float[] {0f})));
            return c.op("ScatterND", List.of(zeros, idx1, g), GraphBuilder.attr("reduction", "add"));
        }
    }

    /** Dropout (Srivastava et al., JMLR 2014): active in the training graph with a seeded mask. */
    static final class Dropout extends FirstInputRule {
        private static float ratio(NodeProto n, GradContext c) {
            String r = in(n, 1);
            if (r.isEmpty()) {
                return floatAttr(n, "ratio", 0.5f);
            }
            TensorProto t = c.initializer(r);
            if (t == null) {
                throw new IllegalArgumentException("Dropout '" + n.getName() + "': ratio must be a constant initializer");
            }
            return Tensors.toFloats(t)[0];
        }

        public void forward(NodeProto n, GradContext c) {
            float ratio = ratio(n, c);
            String mask = n.getOutputCount() > 1 && !n.getOutput(1).isEmpty() ? n.getOutput(1) : c.fresh("dropmask");
            c.put(n, "mask", mask);
            c.put(n, "ratio", ratio);
            c.opInto("Dropout", List.of(n.getInput(0), c.scalar(ratio), c.bool(true)), List.of(n.getOutput(0), mask),
                    attr("seed", c.seed() & 0x7fffffffL));
        }

        @Override
        String dx(NodeProto n, String g, GradContext c) {
            float ratio = c.get(n, "ratio");
            String mask = c.get(n, "mask");
            String m = c.op("Cast", List.of(mask), attr("to", TensorProto.DataType.FLOAT_VALUE));
            return c.scale(c.op("Mul", List.of(g, m)), 1f / (1f - ratio));
        }
    }

    static long[] spatial(NodeProto n, String name, int dims, long dflt) {
        return intsAttr(n, name, filled(dims, dflt));
    }

    static void check2d(NodeProto n, long[] xs) {
        if (xs.length != 4) {
            throw new IllegalArgumentException(n.getOpType() + " '" + n.getName() + "': gradients only for 2-D (NCHW) inputs");
        }
        String autoPad = stringAttr(n, "auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw new IllegalArgumentException(n.getOpType() + " '" + n.getName() + "': auto_pad " + autoPad
                    + " is not supported for training; use explicit pads");
        }
    }

    /** Conv, including groups (depthwise), strides, padding and dilation. */
    static final class Conv implements GradRule {
        public boolean differentiable(NodeProto n, int i) {
            return i < 3;
        }

        public void backward(NodeProto n, GradContext c) {
            String g = c.grad(n.getOutput(0));
            if (g == null) {
                return;
            }
            String x = n.getInput(0);
            String w = n.getInput(1);
            long[] xs = c.shape(x);
            long[] ws = c.shape(w);
            long[] ys = c.shape(n.getOutput(0));
            check2d(n, xs);
            long[] strides = spatial(n, "strides", 2, 1);
            long[] dil = spatial(n, "dilations", 2, 1);
            long[] pads = intsAttr(n, "pads", filled(4, 0));
            long groups = intAttr(n, "group", 1);
            if (wants(c, n, 2)) {
                c.addGrad(n.getInput(2), c.reduceSum(g, new long[] {0, 2, 3}, false));
            }
            if (pointwise(ws, strides, pads, groups)) {
                pointwiseBackward(n, c, g, xs, ws);
                return;
            }
            if (c.needs(x)) {
                long[] outPad = new long[2];
                for (int d = 0; d < 2; d++) {
                    long full = strides[d] * (ys[2 + d] - 1) + (ws[2 + d] - 1) * dil[d] + 1 - pads[d] - pads[d + 2];
                    outPad[d] = xs[2 + d] - full;
                }
                c.addGrad(x, c.op("ConvTranspose", List.of(g, w), GraphBuilder.ints("strides", strides),
                        GraphBuilder.ints("pads", pads), GraphBuilder.ints("dilations", dil), attr("group", groups),
                        GraphBuilder.ints("output_padding", outPad)));
            }
            if (c.needs(w)) {
                long cIn = xs[1];
                long cg = cIn / groups;
                long batch = xs[0];
                String xt = c.op("Transpose", List.of(x), GraphBuilder.ints("perm", 1, 0, 2, 3));
                if (groups > 1) {
                    if (cg == 1) {
                        xt = c.reshape(xt, new long[] {1, groups * batch, xs[2], xs[3]});
                    } else {
                        String r5 = c.reshape(xt, new long[] {groups, cg, batch, xs[2], xs[3]});
                        String t5 = c.op("Transpose", List.of(r5), GraphBuilder.ints("perm", 1, 0, 2, 3, 4));
                        xt = c.reshape(t5, new long[] {cg, groups * batch, xs[2], xs[3]});
                    }
                }
                String kt = c.op("Transpose", List.of(g), GraphBuilder.ints("perm", 1, 0, 2, 3));
                String r = c.op("Conv", List.of(xt, kt), GraphBuilder.ints("pads", pads),
                        GraphBuilder.ints("strides", dil), GraphBuilder.ints("dilations", strides), attr("group", groups));
                long[] rs = new long[2];
                for (int d = 0; d < 2; d++) {
                    rs[d] = (xs[2 + d] + pads[d] + pads[d + 2] - strides[d] * (ys[2 + d] - 1) - 1) / dil[d] + 1;
                }
                if (rs[0] != ws[2] || rs[1] != ws[3]) {
                    r = c.op("Slice", List.of(r, c.longs(0, 0), c.longs(ws[2], ws[3]), c.longs(2, 3)));
                }
                c.addGrad(w, c.op("Transpose", List.of(r), GraphBuilder.ints("perm", 1, 0, 2, 3)));
            }
        }
    }

    /** A 1x1 convolution with stride 1, no padding and one group: a matrix product per pixel. */
    static boolean pointwise(long[] ws, long[] strides, long[] pads, long groups) {
        return groups == 1 && ws[2] == 1 && ws[3] == 1 && strides[0] == 1 && strides[1] == 1
                && Arrays.stream(pads).allMatch(v -> v == 0);
    }

    /**
     * Input and weight gradients of a pointwise convolution as matrix products, which ONNX
     * Runtime runs as one sgemm instead of an im2col convolution with a batch-sized kernel (the
     * general recipe was the largest cost of a MobileNet-style step): dX[n] = W^T dY[n] (batched
     * MatMul) and dW = dY' X'^T with both transposed to [C, N*H*W] (one Gemm with transB). The
     * bias gradient is the same for every convolution and stays in {@link Conv#backward}.
     */
    static void pointwiseBackward(NodeProto n, GradContext c, String g, long[] xs, long[] ws) {
        String x = n.getInput(0);
        String w = n.getInput(1);
        long pixels = xs[2] * xs[3];
        if (c.needs(x)) {
            String wt = c.op("Transpose", List.of(c.reshape(w, new long[] {ws[0], ws[1]})));
            String dx = c.op("MatMul", List.of(wt, c.reshape(g, new long[] {xs[0], ws[0], pixels})));
            c.addGrad(x, c.reshape(dx, xs));
        }
        if (c.needs(w)) {
            String xt = c.reshape(c.op("Transpose", List.of(x), GraphBuilder.ints("perm", 1, 0, 2, 3)),
                    new long[] {xs[1], xs[0] * pixels});
            String gt = c.reshape(c.op("Transpose", List.of(g), GraphBuilder.ints("perm", 1, 0, 2, 3)),
                    new long[] {ws[0], xs[0] * pixels});
            String dw = c.op("Gemm", List.of(gt, xt), attr("transB", 1));
            c.addGrad(w, c.reshape(dw, ws));
        }
    }

    /** True when no input position lies in two pooling windows (stride at least the dilated kernel). */
    static boolean disjointWindows(NodeProto n) {
        long[] k = intsAttr(n, "kernel_shape", null);
        long[] s = spatial(n, "strides", 2, 1);
        long[] d = spatial(n, "dilations", 2, 1);
        return k != null && k.length == 2 && s[0] >= (k[0] - 1) * d[0] + 1 && s[1] >= (k[1] - 1) * d[1] + 1;
    }

    /**
     * MaxPool. The forward node exposes its {@code Indices} output (flattened NCHW positions of
     * each window's maximum, one per window, as PyTorch routes it). When windows are disjoint the
     * gradient is put back with MaxUnpool, one pass over the pooled gradient; when they overlap a
     * position can win several windows, so the gradient is scattered with reduction "add".
     * (An earlier equality mask against the broadcast maximum was 52 % of a LeNet-5 step: ONNX
     * Runtime's broadcasting Equal/Where over 6-D views is slow.)
     */
    static final class MaxPool extends FirstInputRule {
        public void forward(NodeProto n, GradContext c) {
            if (!c.needs(n.getInput(0))) {
                c.copy(n);
                return;
            }
            String idx = c.fresh("maxidx");
            c.put(n, "indices", idx);
            c.copy(n.toBuilder().clearOutput().addOutput(n.getOutput(0)).addOutput(idx).build());
        }

        @Override
        String dx(NodeProto n, String g, GradContext c) {
            String x = n.getInput(0);
            long[] xs = c.shape(x);
            String idx = c.get(n, "indices");
            if (disjointWindows(n)) {
                return c.op("MaxUnpool", List.of(g, idx, c.longs(xs)),
                        GraphBuilder.ints("kernel_shape", intsAttr(n, "kernel_shape", null)),
                        GraphBuilder.ints("strides", spatial(n, "strides", 2, 1)));
            }
            String zeros = c.op("ConstantOfShape", List.of(c.longs(GradContext.numel(xs))),
                    GraphBuilder.tensorAttr("value", Tensors.floats("zero", new long[] {1}, new float[] {0f})));
            String s = c.op("ScatterElements", List.of(zeros, c.reshape(idx, new long[] {-1}), c.reshape(g, new long[] {-1})),
                    attr("axis", 0), GraphBuilder.attr("reduction", "add"));
            return c.reshape(s, xs);
        }
    }

    /** AveragePool: a depthwise ConvTranspose with a constant 1/(kh*kw) kernel. */
    static final class AveragePool extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            String x = n.getInput(0);
            long[] xs = c.shape(x);
            long[] ys = c.shape(n.getOutput(0));
            check2d(n, xs);
            long[] k = intsAttr(n, "kernel_shape", null);
            long[] strides = spatial(n, "strides", 2, 1);
            long[] pads = intsAttr(n, "pads", filled(4, 0));
            boolean padded = Arrays.stream(pads).anyMatch(v -> v != 0);
            if (padded && intAttr(n, "count_include_pad", 0) == 0) {
                throw new IllegalArgumentException("AveragePool '" + n.getName()
                        + "': gradients need count_include_pad=1 when padded");
            }
            float[] ker = new float[(int) (xs[1] * k[0] * k[1])];
            Arrays.fill(ker, 1f / (k[0] * k[1]));
            String kernel = c.floats(new long[] {xs[1], 1, k[0], k[1]}, ker);
            long[] outPad = new long[2];
            for (int d = 0; d < 2; d++) {
                outPad[d] = xs[2 + d] - (strides[d] * (ys[2 + d] - 1) + k[d] - pads[d] - pads[d + 2]);
            }
            return c.op("ConvTranspose", List.of(g, kernel), GraphBuilder.ints("strides", strides),
                    GraphBuilder.ints("pads", pads), attr("group", xs[1]), GraphBuilder.ints("output_padding", outPad));
        }
    }

    static final class GlobalAveragePool extends FirstInputRule {
        @Override
        String dx(NodeProto n, String g, GradContext c) {
            long[] xs = c.shape(n.getInput(0));
            long area = 1;
            for (int i = 2; i < xs.length; i++) {
                area *= xs[i];
            }
            String e = c.op("Expand", List.of(g, c.longs(xs)));
            return c.scale(e, 1f / area);
        }
    }

    /**
     * BatchNormalization in training mode: normalised with the batch's mean and (biased)
     * variance; the batch statistics are graph outputs that the trainer folds into the running
     * statistics (unbiased variance, ONNX momentum convention).
     */
    static final class BatchNorm implements GradRule {
        public boolean differentiable(NodeProto n, int i) {
            return i == 0 || i == 1 || i == 2;
        }

        public void forward(NodeProto n, GradContext c) {
            String x = n.getInput(0);
            long[] xs = c.shape(x);
            long ch = xs[1];
            long[] axes = new long[xs.length - 1];
            long[] bshape = new long[xs.length];
            long count = xs[0];
            axes[0] = 0;
            bshape[0] = 1;
            bshape[1] = ch;
            for (int i = 2; i < xs.length; i++) {
                axes[i - 1] = i;
                bshape[i] = 1;
                count *= xs[i];
            }
            float eps = floatAttr(n, "epsilon", 1e-5f);
            float momentum = floatAttr(n, "momentum", 0.9f);
            String mean = c.scale(c.reduceSum(x, axes, true), 1f / count);
            String xc = c.op("Sub", List.of(x, mean));
            String var = c.scale(c.reduceSum(c.op("Mul", List.of(xc, xc)), axes, true), 1f / count);
            String inv = c.op("Reciprocal", List.of(c.op("Sqrt", List.of(c.op("Add", List.of(var, c.scalar(eps)))))));
            String xhat = c.op("Mul", List.of(xc, inv));
            String gamma = c.reshape(n.getInput(1), bshape);
            String beta = c.reshape(n.getInput(2), bshape);
            c.opInto("Add", List.of(c.op("Mul", List.of(xhat, gamma)), beta), List.of(n.getOutput(0)));
            c.put(n, "xhat", xhat);
            c.put(n, "inv", inv);
            c.put(n, "gamma", gamma);
            c.put(n, "axes", axes);
            c.put(n, "count", count);
            String m = c.reshape(mean, new long[] {ch});
            String v = c.reshape(var, new long[] {ch});
            c.output(m, new long[] {ch});
            c.output(v, new long[] {ch});
            c.runningStat(n.getInput(3), m, false, momentum, count);
            c.runningStat(n.getInput(4), v, true, momentum, count);
        }

        public void backward(NodeProto n, GradContext c) {
            String g = c.grad(n.getOutput(0));
            if (g == null) {
                return;
            }
            String xhat = c.get(n, "xhat");
            long[] axes = c.get(n, "axes");
            long count = c.get(n, "count");
            if (wants(c, n, 1)) {
                c.addGrad(n.getInput(1), c.reduceSum(c.op("Mul", List.of(g, xhat)), axes, false));
            }
            if (wants(c, n, 2)) {
                c.addGrad(n.getInput(2), c.reduceSum(g, axes, false));
            }
            if (wants(c, n, 0)) {
                String dxhat = c.op("Mul", List.of(g, c.get(n, "gamma")));
                String m1 = c.scale(c.reduceSum(dxhat, axes, true), 1f / count);
                String m2 = c.scale(c.reduceSum(c.op("Mul", List.of(dxhat, xhat)), axes, true), 1f / count);
                String inner = c.op("Sub", List.of(c.op("Sub", List.of(dxhat, m1)), c.op("Mul", List.of(xhat, m2))));
                c.addGrad(n.getInput(0), c.op("Mul", List.of(inner, c.get(n, "inv"))));
            }
        }
    }
}
