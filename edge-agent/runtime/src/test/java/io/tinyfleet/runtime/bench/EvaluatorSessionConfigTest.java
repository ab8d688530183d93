package io.tinyfleet.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.session.ModelRuntime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The evaluator measures a model with the session settings its metadata asks for. */
class EvaluatorSessionConfigTest {

    /**
     * x[N,32] -> MatMul(x, DequantizeLinear(int4 [32,16], block 16)) -> Add(bias) -> y, as
     * {@code quantize:int4} writes a Gemm layer; optionally with the metadata asking for MatMulAddFusion off.
     */
    static OnnxModel int4Layer(boolean withSetting) {
        Random r = new Random(3);
        byte[] packed = new byte[32 * 16 / 2];
        r.nextBytes(packed);
        float[] scales = new float[2 * 16];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.01f + r.nextFloat() * 0.05f;
        }
        float[] bias = new float[16];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (float) r.nextGaussian() * 0.1f;
        }
        OnnxModel m = new GraphBuilder("int4", 21)
                .input("x", DataType.FLOAT, "N", 32)
                .initializer(Tensors.raw("w_int4", DataType.INT4, new long[] {32, 16}, packed))
                .initializer(Tensors.floats("w_scale", new long[] {2, 16}, scales))
                .initializer(Tensors.floats("b", new long[] {16}, bias))
                .node(NodeProto.newBuilder().setName("dq").setOpType("DequantizeLinear").addInput("w_int4")
                        .addInput("w_scale").addOutput("w").addAttribute(GraphBuilder.attr("axis", 0L))
                        .addAttribute(GraphBuilder.attr("block_size", 16L)).build())
                .node("mm", "MatMul", List.of("x", "w"), List.of("h"))
                .node("bias", "Add", List.of("h", "b"), List.of("y"))
                .output("y", DataType.FLOAT, "N", 16)
                .build();
        return withSetting ? m.withMetadata(ModelRuntime.SESSION_DISABLE_OPTIMIZERS, "MatMulAddFusion") : m;
    }

    private static List<String> ops(EvalReport r) {
        return r.profile().byOp().stream().map(OpProfile.Entry::opType).toList();
    }

    @Test
    void int4Model_runsAsMatMulNBits_withTheSettingFromItsMetadata() {
        EvalReport r = Evaluator.evaluate(int4Layer(true), EvalOptions.random().withRuns(1, 2).withProfile(true));
        assertTrue(ops(r).contains("MatMulNBits"), ops(r).toString());
        assertTrue(r.notes().contains(
                "session setting from the model's metadata: optimization.disable_specified_optimizers=MatMulAddFusion"),
                r.notes().toString());
    }

    @Test
    void int4Model_withoutTheSetting_isWidenedToFloat() {
        // the control: same graph, no metadata; ORT fuses MatMul+Add into Gemm first and never builds MatMulNBits
        EvalReport r = Evaluator.evaluate(int4Layer(false), EvalOptions.random().withRuns(1, 2).withProfile(true));
        assertFalse(ops(r).contains("MatMulNBits"), ops(r).toString());
    }

    @Test
    void sessionConfig_readsOnlyTheKnownKey() {
        assertEquals(Map.of("optimization.disable_specified_optimizers", "MatMulAddFusion"),
                ModelRuntime.sessionConfig(int4Layer(true)));
        assertEquals(Map.of(), ModelRuntime.sessionConfig(int4Layer(false)
                .withMetadata("tinyfleet.session.intra_op.allow_spinning", "1")));
    }
}
