package io.tinyfleet.runtime.model;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;

/** Tiny deterministic models for the tests of every module (built with {@link GraphBuilder}). */
public final class TinyModels {

    private TinyModels() {
    }

    /**
     * A classifier of 2x2 grey images into 3 classes whose score for class c is pixel c:
     * input {@code x [batch,1,2,2]} → Flatten → MatMul(4x3 selection matrix) → {@code y [batch,3]}.
     *
     * @param batch a Number for a fixed batch, a String for a symbolic one
     */
    public static OnnxModel brightestPixel(Object batch) {
        float[] w = new float[4 * 3];
        for (int c = 0; c < 3; c++) {
            w[c * 3 + c] = 1f;
        }
        return new GraphBuilder("brightest", 17)
                .input("x", DataType.FLOAT, batch, 1, 2, 2)
                .initializer(Tensors.floats("w", new long[] {4, 3}, w))
                .node("flat", "Flatten", List.of("x"), List.of("f"))
                .node("score", "MatMul", List.of("f", "w"), List.of("y"))
                .output("y", DataType.FLOAT, batch, 3)
                .build();
    }

    /**
     * One dense layer of zero weights, {@code x [1, n]} → MatMul({@code n x n}) → {@code y [1, n]}:
     * exactly {@code 4 n²} bytes of weights, for memory tests ({@code n = 1024}: 4 MiB).
     */
    public static OnnxModel dense(int n) {
        return new GraphBuilder("dense" + n, 17)
                .input("x", DataType.FLOAT, 1, n)
                .initializer(Tensors.floats("w", new long[] {n, n}, new float[n * n]))
                .node("mm", "MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 1, n)
                .build();
    }
}
