package io.tinyfleet.runtime.inspect;

import static io.tinyfleet.runtime.model.GraphBuilder.attr;
import static io.tinyfleet.runtime.model.GraphBuilder.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.List;
import org.junit.jupiter.api.Test;

class InspectorTest {

    static float[] zeros(int n) {
        return new float[n];
    }

    @Test
    void conv_countsMacs_withGroupsStridesAndPadding() {
        OnnxModel m = new GraphBuilder("conv", 17)
                .input("x", DataType.FLOAT, "N", 4, 9, 9)
                .initializer(Tensors.floats("w", new long[] {6, 2, 3, 3}, zeros(108)))
                .initializer(Tensors.floats("b", new long[] {6}, zeros(6)))
                .node("c", "Conv", List.of("x", "w", "b"), List.of("y"),
                        attr("group", 2), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1))
                .output("y", DataType.FLOAT, "N", 6, 5, 5).build();
        Inspection i = Inspector.inspect(m);
        assertEquals(114, i.parameters());
        assertEquals(List.of(1L, 6L, 5L, 5L), i.layers().get(0).outputShape());
        assertEquals(6L * 25 * 2 * 9, i.layers().get(0).macs());
        assertEquals(2700, i.macs());
        assertTrue(i.macsComplete());
        assertEquals("w", i.layers().get(0).weight());
    }

    @Test
    void conv_countsMacs_withSameUpperAndStride() {
        OnnxModel m = new GraphBuilder("same", 8)
                .input("x", DataType.FLOAT, 1, 1, 28, 28)
                .initializer(Tensors.floats("w", new long[] {8, 1, 5, 5}, zeros(200)))
                .node("c", "Conv", List.of("x", "w"), List.of("y"), attr("auto_pad", "SAME_UPPER"),
                        ints("strides", 2, 2), ints("kernel_shape", 5, 5))
                .output("y", DataType.FLOAT, 1, 8, 14, 14).build();
        Inspection i = Inspector.inspect(m);
        assertEquals(8L * 14 * 14 * 25, i.macs());
    }

    @Test
    void conv_countsMacs_withValidPaddingAndDilation() {
        OnnxModel m = new GraphBuilder("valid", 13)
                .input("x", DataType.FLOAT, 1, 3, 10, 10)
                .initializer(Tensors.floats("w", new long[] {4, 3, 3, 3}, zeros(108)))
                .node("c", "Conv", List.of("x", "w"), List.of("y"), attr("auto_pad", "VALID"), ints("dilations", 2, 2))
                .output("y", DataType.FLOAT, 1, 4, 6, 6).build();
        assertEquals(4L * 36 * 27, Inspector.inspect(m).macs());
    }

    @Test
    void gemm_countsMacs_withTransposedWeight() {
        OnnxModel m = new GraphBuilder("gemm", 17)
                .input("x", DataType.FLOAT, "batch", 784)
                .initializer(Tensors.floats("w", new long[] {300, 784}, zeros(300 * 784)))
                .initializer(Tensors.floats("b", new long[] {300}, zeros(300)))
                .node("fc", "Gemm", List.of("x", "w", "b"), List.of("y"), attr("transB", 1))
                .output("y", DataType.FLOAT, "batch", 300).build();
        Inspection i = Inspector.inspect(m);
        assertEquals(784L * 300, i.macs());
        assertEquals(784L * 300 + 300, i.parameters());
        assertEquals(1.0, i.sparsity());
    }

    @Test
    void matmul_countsMacs_withBroadcastBatchDims() {
        OnnxModel m = new GraphBuilder("mm", 17)
                .input("x", DataType.FLOAT, 2, 3, 4, 5)
                .initializer(Tensors.floats("w", new long[] {5, 6}, zeros(30)))
                .node("mm", "MatMul", List.of("x", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 2, 3, 4, 6).build();
        assertEquals(2L * 3 * 4 * 6 * 5, Inspector.inspect(m).macs());
    }

    @Test
    void reshape_followsShapeGatherConcat_toTheNextLayer() {
        OnnxModel m = new GraphBuilder("dyn", 13)
                .input("x", DataType.FLOAT, "N", 2, 3, 3)
                .initializer(Tensors.longs("i0", new long[] {}, new long[] {0}))
                .initializer(Tensors.longs("ax", new long[] {1}, new long[] {0}))
                .initializer(Tensors.longs("minus1", new long[] {1}, new long[] {-1}))
                .initializer(Tensors.floats("w", new long[] {18, 4}, zeros(72)))
                .node("Shape", List.of("x"), List.of("s"))
                .node("Gather", List.of("s", "i0"), List.of("n"), attr("axis", 0))
                .node("Unsqueeze", List.of("n", "ax"), List.of("n1"))
                .node("Concat", List.of("n1", "minus1"), List.of("shape"), attr("axis", 0))
                .node("Reshape", List.of("x", "shape"), List.of("flat"))
                .node("mm", "MatMul", List.of("flat", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 4).build();
        Inspection i = Inspector.inspect(m);
        assertEquals(72, i.macs());
        assertTrue(i.macsComplete());
    }

    @Test
    void pool_ceilMode_andFlatten_feedTheGemm() {
        OnnxModel m = new GraphBuilder("pool", 17)
                .input("x", DataType.FLOAT, 1, 6, 5, 5)
                .initializer(Tensors.floats("w", new long[] {54, 10}, zeros(540)))
                .node("MaxPool", List.of("x"), List.of("p"), ints("kernel_shape", 2, 2), ints("strides", 2, 2),
                        attr("ceil_mode", 1))
                .node("Flatten", List.of("p"), List.of("f"))
                .node("fc", "Gemm", List.of("f", "w"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 10).build();
        assertEquals(540, Inspector.inspect(m).macs());
    }

    @Test
    void unknownOp_leavesLaterMacsUnknown_andSaysSo() {
        OnnxModel m = new GraphBuilder("unk", 17)
                .input("x", DataType.FLOAT, 1, 4)
                .initializer(Tensors.floats("w", new long[] {4, 4}, zeros(16)))
                .node("Mystery", List.of("x"), List.of("h"))
                .node("mm", "MatMul", List.of("h", "w"), List.of("y"))
                .output("y", DataType.FLOAT, "?", "?").build();
        Inspection i = Inspector.inspect(m);
        assertNull(i.layers().get(0).macs());
        assertFalse(i.macsComplete());
        assertTrue(i.notes().stream().anyMatch(n -> n.contains("Mystery")), i.notes().toString());
    }

    @Test
    void identityBehindWeight_stillGivesTheConvMacs() {
        OnnxModel m = new GraphBuilder("dedup", 17)
                .input("x", DataType.FLOAT, 1, 1, 4, 4)
                .initializer(Tensors.floats("w", new long[] {2, 1, 3, 3}, zeros(18)))
                .node("Identity", List.of("w"), List.of("w2"))
                .node("c", "Conv", List.of("x", "w2"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 2, 2, 2).build();
        Inspection i = Inspector.inspect(m);
        assertEquals(2L * 4 * 9, i.macs());
        assertEquals(18, i.parameters());
    }

    @Test
    void weights_reportExactZeroFraction_andOpCounts() {
        OnnxModel m = new GraphBuilder("sparse", 17)
                .input("x", DataType.FLOAT, 1, 2)
                .initializer(Tensors.floats("w", new long[] {2, 3}, new float[] {0, 1, 0, 2, 0, 3}))
                .node("MatMul", List.of("x", "w"), List.of("h"))
                .node("Relu", List.of("h"), List.of("y"))
                .output("y", DataType.FLOAT, 1, 3).build().withMetadata("tinyfleet.provenance", "{}");
        Inspection i = Inspector.inspect(m);
        assertEquals(0.5, i.weights().get(0).sparsity());
        assertEquals(3, i.weights().get(0).zeros());
        assertEquals(1, i.opCounts().get("Relu"));
        assertEquals("{}", i.metadata().get("tinyfleet.provenance"));
        assertEquals(List.of(1L, 2L), i.inputs().get(0).shape());
        assertTrue(i.wireBytes() > 0 && i.fileBytes() > 0);
        assertTrue(i.runnable());
        assertNull(i.wireParts(), "parts only when asked: every compress step inspects its output");
        assertEquals(List.of("metadata tinyfleet.provenance", "graph structure (2 nodes)", "1 small initializers"),
                Inspector.inspect(m, true).wireParts().stream().map(p -> p.part()).toList());
    }
}
