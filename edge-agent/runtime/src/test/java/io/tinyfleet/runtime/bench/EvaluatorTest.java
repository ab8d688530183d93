package io.tinyfleet.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.TinyModels;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    /** n 2x2 images; label = index of the brightest of the first three pixels, or wrong when flip. */
    static LabeledImages images(int n, boolean flipOdd) {
        Random r = new Random(1);
        byte[] px = new byte[n * 4];
        byte[] lb = new byte[n];
        for (int i = 0; i < n; i++) {
            int best = r.nextInt(3);
            for (int o = 0; o < 4; o++) {
                px[i * 4 + o] = (byte) (o == best ? 200 : r.nextInt(100));
            }
            lb[i] = (byte) (flipOdd && i % 2 == 1 ? (best + 1) % 3 : best);
        }
        return LabeledImages.of(2, 2, px, lb);
    }

    @Test
    void evaluate_scoresEveryCorrectPrediction() {
        EvalReport r = Evaluator.evaluate(TinyModels.brightestPixel("N"),
                EvalOptions.on(images(50, false), "tiny").withBatch(8).withRuns(2, 5));
        assertEquals(1.0, r.accuracy());
        assertEquals(50, r.correct());
        assertEquals(50, r.samples());
        assertEquals(8, r.batch());
        assertEquals(List.of(8L, 1L, 2L, 2L), r.inputShapes().get("x"));
        assertEquals(5, r.latencyMs().runs());
        assertTrue(r.throughputPerSec() > 0);
        assertTrue(r.loadMs() > 0);
        assertNotNull(r.dataSha256());
    }

    @Test
    void evaluate_countsHalfCorrect_whenHalfTheLabelsAreWrong() {
        EvalReport r = Evaluator.evaluate(TinyModels.brightestPixel("N"),
                EvalOptions.on(images(40, true), "tiny").withBatch(7).withLimit(30).withRuns(1, 3));
        assertEquals(30, r.samples());
        assertEquals(0.5, r.accuracy(), 1e-9);
    }

    @Test
    void accuracy_agreesWithEvaluate_onSymbolicAndFixedBatchModels() {
        LabeledImages half = images(41, true);
        assertEquals(21 / 41.0, Evaluator.accuracy(TinyModels.brightestPixel("N"), half,
                io.tinyfleet.runtime.data.Preprocessing.DEFAULT, 1), 1e-12);
        assertEquals(1.0, Evaluator.accuracy(TinyModels.brightestPixel(1), images(9, false),
                io.tinyfleet.runtime.data.Preprocessing.DEFAULT, 1));
    }

    @Test
    void accuracy_refusesAModelWhoseOutputIsNotClassScores() {
        OnnxModel scalar = new GraphBuilder("sum", 17)
                .input("x", DataType.FLOAT, "N", 1, 2, 2)
                .node("ReduceSum", List.of("x"), List.of("y"), GraphBuilder.attr("keepdims", 0L))
                .output("y", DataType.FLOAT)
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluator.accuracy(scalar,
                images(4, false), io.tinyfleet.runtime.data.Preprocessing.DEFAULT, 1));
        assertTrue(e.getMessage().contains("accuracy not computed"), e.getMessage());
    }

    @Test
    void evaluate_runsAtTheFixedBatch_andSaysSo() {
        EvalReport r = Evaluator.evaluate(TinyModels.brightestPixel(1),
                EvalOptions.on(images(10, false), "tiny").withBatch(4).withRuns(1, 3));
        assertEquals(1, r.batch());
        assertEquals(1.0, r.accuracy());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("fixed batch of 1")), r.notes().toString());
    }

    @Test
    void evaluate_refusesDataThatDoesNotFitTheInput() {
        OnnxModel rgb = new GraphBuilder("rgb", 17).input("input", DataType.FLOAT, 1, 3, 240, 320)
                .node("Relu", List.of("input"), List.of("y")).output("y", DataType.FLOAT, 1, 3, 240, 320).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Evaluator.evaluate(rgb, EvalOptions.on(images(2, false), "tiny")));
        assertEquals("model input 'input' expects [1,3,240,320] but tiny gives [1,1,2,2]", e.getMessage());
    }

    @Test
    void evaluate_feedsRandomInputsShapedFromTheModel_withoutData() {
        EvalReport r = Evaluator.evaluate(TinyModels.brightestPixel("N"),
                EvalOptions.random().withBatch(4).withRuns(1, 5));
        assertNull(r.accuracy());
        assertEquals("random", r.dataset());
        assertEquals(List.of(4L, 1L, 2L, 2L), r.inputShapes().get("x"));
        assertEquals(5, r.latencyBatchMs().runs());
        assertTrue(r.rssBytes() == null || r.rssBytes() > 0);
    }

    @Test
    void evaluate_profilesTimePerOpAndNode() {
        EvalReport r = Evaluator.evaluate(TinyModels.brightestPixel("N"),
                EvalOptions.random().withRuns(1, 5).withProfile(true));
        OpProfile p = r.profile();
        assertNotNull(p);
        assertTrue(p.byOp().stream().anyMatch(e -> e.name().equals("MatMul")), p.byOp().toString());
        double share = p.byOp().stream().mapToDouble(OpProfile.Entry::share).sum();
        assertEquals(1.0, share, 1e-6);
        assertTrue(p.byNode().stream().anyMatch(e -> e.opType().equals("MatMul")), p.byNode().toString());
    }
}
