package io.tinyfleet.compression;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny deterministic models for the compression tests (after ORT's ModelGenerators). */
public final class TinyModels {

    private TinyModels() {
    }

    static float[] randn(Random r, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return v;
    }

    /** x[N,16] -> Gemm 32 (transB) -> Relu -> Gemm 10 -> y. */
    public static OnnxModel mlp() {
        Random r = new Random(1);
        return new GraphBuilder("mlp", 17)
                .input("x", DataType.FLOAT, "N", 16)
                .initializer(Tensors.floats("w1", new long[] {32, 16}, randn(r, 512, 0.3)))
                .initializer(Tensors.floats("b1", new long[] {32}, randn(r, 32, 0.1)))
                .initializer(Tensors.floats("w2", new long[] {10, 32}, randn(r, 320, 0.3)))
                .initializer(Tensors.floats("b2", new long[] {10}, randn(r, 10, 0.1)))
                .node("fc1", "Gemm", List.of("x", "w1", "b1"), List.of("h"), GraphBuilder.attr("transB", 1L))
                .node("relu1", "Relu", List.of("h"), List.of("a"))
                .node("fc2", "Gemm", List.of("a", "w2", "b2"), List.of("y"), GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", 10)
                .build();
    }

    /** x[N,1,8,8] -> Conv 4 -> Relu -> MaxPool -> Conv 8 -> Relu -> Flatten -> Gemm 10 -> y. */
    public static OnnxModel cnn() {
        Random r = new Random(2);
        return new GraphBuilder("cnn", 17)
                .input("x", DataType.FLOAT, "N", 1, 8, 8)
                .initializer(Tensors.floats("c1w", new long[] {4, 1, 3, 3}, randn(r, 36, 0.4)))
                .initializer(Tensors.floats("c1b", new long[] {4}, randn(r, 4, 0.1)))
                .initializer(Tensors.floats("c2w", new long[] {8, 4, 3, 3}, randn(r, 288, 0.3)))
                .initializer(Tensors.floats("c2b", new long[] {8}, randn(r, 8, 0.1)))
                .initializer(Tensors.floats("fw", new long[] {10, 128}, randn(r, 1280, 0.2)))
                .initializer(Tensors.floats("fb", new long[] {10}, randn(r, 10, 0.1)))
                .node("conv1", "Conv", List.of("x", "c1w", "c1b"), List.of("c1"), GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("relu1", "Relu", List.of("c1"), List.of("r1"))
                .node("pool1", "MaxPool", List.of("r1"), List.of("p1"), GraphBuilder.ints("kernel_shape", 2, 2),
                        GraphBuilder.ints("strides", 2, 2))
                .node("conv2", "Conv", List.of("p1", "c2w", "c2b"), List.of("c2"), GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("relu2", "Relu", List.of("c2"), List.of("r2"))
                .node("flat", "Flatten", List.of("r2"), List.of("f"))
                .node("fc", "Gemm", List.of("f", "fw", "fb"), List.of("y"), GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", 10)
                .build();
    }

    /** x[N,16] -> MatMul [16,24] -> Add -> Relu -> MatMul [24,10] -> y (the MatMul+Add head of older exporters). */
    public static OnnxModel matmul() {
        Random r = new Random(3);
        return new GraphBuilder("matmul", 17)
                .input("x", DataType.FLOAT, "N", 16)
                .initializer(Tensors.floats("m1", new long[] {16, 24}, randn(r, 384, 0.3)))
                .initializer(Tensors.floats("a1", new long[] {24}, randn(r, 24, 0.1)))
                .initializer(Tensors.floats("m2", new long[] {24, 10}, randn(r, 240, 0.3)))
                .node("mm1", "MatMul", List.of("x", "m1"), List.of("h"))
                .node("add1", "Add", List.of("h", "a1"), List.of("ha"))
                .node("relu1", "Relu", List.of("ha"), List.of("a"))
                .node("mm2", "MatMul", List.of("a", "m2"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 10)
                .build();
    }

    /**
     * A mobile-style block: Conv 1->8 -> Relu -> depthwise 3x3 (group 8) -> Relu -> pointwise 8->16 -> Relu
     * -> GlobalAveragePool -> Flatten -> Gemm 10; with {@code residual}, the pointwise output is added to
     * the first activation (pointwise 8->8 then).
     */
    public static OnnxModel depthwise(boolean residual) {
        Random r = new Random(4);
        int pw = residual ? 8 : 16;
        GraphBuilder b = new GraphBuilder(residual ? "residual" : "depthwise", 17)
                .input("x", DataType.FLOAT, "N", 1, 8, 8)
                .initializer(Tensors.floats("c1w", new long[] {8, 1, 3, 3}, randn(r, 72, 0.4)))
                .initializer(Tensors.floats("c1b", new long[] {8}, randn(r, 8, 0.1)))
                .initializer(Tensors.floats("dww", new long[] {8, 1, 3, 3}, randn(r, 72, 0.4)))
                .initializer(Tensors.floats("dwb", new long[] {8}, randn(r, 8, 0.1)))
                .initializer(Tensors.floats("pww", new long[] {pw, 8, 1, 1}, randn(r, pw * 8, 0.4)))
                .initializer(Tensors.floats("pwb", new long[] {pw}, randn(r, pw, 0.1)))
                .initializer(Tensors.floats("fw", new long[] {10, pw}, randn(r, 10 * pw, 0.3)))
                .initializer(Tensors.floats("fb", new long[] {10}, randn(r, 10, 0.1)))
                .node("conv1", "Conv", List.of("x", "c1w", "c1b"), List.of("c1"), GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("relu1", "Relu", List.of("c1"), List.of("r1"))
                .node("dw", "Conv", List.of("r1", "dww", "dwb"), List.of("d"), GraphBuilder.ints("pads", 1, 1, 1, 1),
                        GraphBuilder.attr("group", 8L))
                .node("relu2", "Relu", List.of("d"), List.of("r2"))
                .node("pw", "Conv", List.of("r2", "pww", "pwb"), List.of("p"))
                .node("relu3", "Relu", List.of("p"), List.of("r3"));
        String last = "r3";
        if (residual) {
            b.node("add", "Add", List.of("r3", "r1"), List.of("s"));
            last = "s";
        }
        return b.node("gap", "GlobalAveragePool", List.of(last), List.of("g"))
                .node("flat", "Flatten", List.of("g"), List.of("f"))
                .node("fc", "Gemm", List.of("f", "fw", "fb"), List.of("y"), GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", 10)
                .build();
    }

    /**
     * Two branches: Conv 1->4 + Relu and Conv 1->4 + Relu, joined by Concat on {@code axis}, then Conv
     * 3x3 to 6 (from 8 channels when axis is 1, else 4) -> Relu -> GlobalAveragePool -> Flatten -> Gemm 10.
     */
    public static OnnxModel branches(long axis) {
        Random r = new Random(6);
        int in = axis == 1 ? 8 : 4;
        return new GraphBuilder("branches", 17)
                .input("x", DataType.FLOAT, "N", 1, 8, 8)
                .initializer(Tensors.floats("aw", new long[] {4, 1, 3, 3}, randn(r, 36, 0.4)))
                .initializer(Tensors.floats("ab", new long[] {4}, randn(r, 4, 0.1)))
                .initializer(Tensors.floats("bw", new long[] {4, 1, 3, 3}, randn(r, 36, 0.4)))
                .initializer(Tensors.floats("bb", new long[] {4}, randn(r, 4, 0.1)))
                .initializer(Tensors.floats("cw", new long[] {6, in, 3, 3}, randn(r, 6 * in * 9, 0.3)))
                .initializer(Tensors.floats("cb", new long[] {6}, randn(r, 6, 0.1)))
                .initializer(Tensors.floats("fw", new long[] {10, 6}, randn(r, 60, 0.3)))
                .node("convA", "Conv", List.of("x", "aw", "ab"), List.of("a"), GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("reluA", "Relu", List.of("a"), List.of("ra"))
                .node("convB", "Conv", List.of("x", "bw", "bb"), List.of("b"), GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("reluB", "Relu", List.of("b"), List.of("rb"))
                .node("cat", "Concat", List.of("ra", "rb"), List.of("ab_"), GraphBuilder.attr("axis", axis))
                .node("conv2", "Conv", List.of("ab_", "cw", "cb"), List.of("c"), GraphBuilder.ints("pads", 1, 1, 1, 1))
                .node("relu2", "Relu", List.of("c"), List.of("rc"))
                .node("gap", "GlobalAveragePool", List.of("rc"), List.of("g"))
                .node("flat", "Flatten", List.of("g"), List.of("f"))
                .node("fc", "Gemm", List.of("f", "fw"), List.of("y"), GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", 10)
                .build();
    }

    /** Fixed inputs: 8 samples of seeded uniform values for the model's single input. */
    public static List<Map<String, OrtRun.Value>> inputs(OnnxModel m) {
        return io.tinyfleet.compression.graph.Samples.of(m, TechniqueContext.dataFree(7), 8, 8).feeds();
    }

    /** The model's first output on {@code inputs}. */
    public static float[] run(OnnxModel m, List<Map<String, OrtRun.Value>> inputs) {
        String out = m.graph().getOutput(0).getName();
        return OrtRun.run(m, inputs, List.of(out), ai.onnxruntime.OrtSession.SessionOptions.OptLevel.BASIC_OPT)
                .get(0).get(out).data();
    }

    /** ||a - b|| / ||a||. */
    public static double relativeError(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += a[i] * (double) a[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }
}
