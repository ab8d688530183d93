package io.tinyfleet.runtime.bench;

import static io.tinyfleet.runtime.model.GraphBuilder.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.inspect.Inspection;
import io.tinyfleet.runtime.inspect.Inspector;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The harness across opsets 7-21 and with sub-graphs: inspect and evaluate the same small models. */
class OpsetCoverageTest {

    /** x[N,1,4,4] -> Reshape(const [-1,16]) -> Gemm(16x5, transB) -> Relu. */
    static OnnxModel mlp(long opset) {
        return new GraphBuilder("mlp" + opset, opset)
                .input("x", DataType.FLOAT, "N", 1, 4, 4)
                .initializer(Tensors.longs("shape", new long[] {2}, new long[] {-1, 16}))
                .initializer(Tensors.floats("w", new long[] {5, 16}, new float[80]))
                .initializer(Tensors.floats("b", new long[] {5}, new float[] {1, 2, 3, 4, 5}))
                .node("Reshape", List.of("x", "shape"), List.of("flat"))
                .node("fc", "Gemm", List.of("flat", "w", "b"), List.of("h"), attr("transB", 1))
                .node("Relu", List.of("h"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 5).build();
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 9, 11, 13, 17, 21})
    void inspectAndEvaluate_workAtOpset(long opset) {
        OnnxModel m = mlp(opset);
        Inspection i = Inspector.inspect(m);
        assertEquals(16L * 5, i.macs());
        assertTrue(i.macsComplete());
        EvalReport r = Evaluator.evaluate(m, EvalOptions.random().withBatch(3).withRuns(1, 2));
        assertEquals(List.of(3L, 1L, 4L, 4L), r.inputShapes().get("x"));
    }

    @Test
    void ifSubgraphs_areCountedByInspect_andRunByEvaluate() {
        GraphProto thenG = new GraphBuilder("then", 17)
                .initializer(Tensors.floats("k1", new long[] {2}, new float[] {1, 1}))
                .node("Add", List.of("x", "k1"), List.of("t"))
                .output("t", DataType.FLOAT, 2).build().graph();
        GraphProto elseG = new GraphBuilder("else", 17)
                .initializer(Tensors.floats("k2", new long[] {2}, new float[] {2, 2}))
                .node("Mul", List.of("x", "k2"), List.of("e"))
                .output("e", DataType.FLOAT, 2).build().graph();
        NodeProto ifNode = NodeProto.newBuilder().setOpType("If").setName("branch").addInput("c").addOutput("y")
                .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(thenG))
                .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(elseG))
                .build();
        OnnxModel m = new GraphBuilder("if", 17)
                .input("c", DataType.BOOL)
                .input("x", DataType.FLOAT, 2)
                .node(ifNode)
                .output("y", DataType.FLOAT, 2).build();
        Inspection i = Inspector.inspect(m);
        assertEquals(1, i.opCounts().get("If"));
        assertEquals(1, i.opCounts().get("Add"));
        assertEquals(1, i.opCounts().get("Mul"));
        assertEquals(4, i.parameters());
        assertTrue(i.notes().stream().anyMatch(n -> n.contains("sub-graphs")), i.notes().toString());
        EvalReport r = Evaluator.evaluate(m, EvalOptions.random().withRuns(1, 2));
        assertEquals(2, r.latencyMs().runs());
    }
}
