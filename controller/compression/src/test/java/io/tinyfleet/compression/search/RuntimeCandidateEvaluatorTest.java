package io.tinyfleet.compression.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tinyfleet.compression.TechniqueContractTestAccess;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import org.junit.jupiter.api.Test;

/** The real evaluator scores the report and the selection images apart, each on its own. */
class RuntimeCandidateEvaluatorTest {

    private static final OnnxModel MLP = TinyModels.mlp();
    private static final LabeledImages TEST = TechniqueContractTestAccess.context("mlp").train();

    /** The test images with every label moved on by one class: other hits, same pixels. */
    private static LabeledImages relabelled(LabeledImages d) {
        byte[] labels = d.labels().clone();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) ((labels[i] + 1) % 10);
        }
        return LabeledImages.of(d.rows(), d.cols(), d.pixels(), labels);
    }

    @Test
    void selectionAndReport_areTheInterleavedHalvesOfTheTestSplit() {
        LabeledImages[] h = SearchSetup.selectionAndReport(TEST.head(7));
        assertEquals(4, h[0].count());
        assertEquals(3, h[1].count());
        for (int i = 0; i < 7; i++) {
            LabeledImages half = h[i % 2];
            assertEquals(TEST.label(i), half.label(i / 2));
            assertEquals(TEST.pixel(i, 5), half.pixel(i / 2, 5));
        }
    }

    private static double accuracy(LabeledImages d) {
        return Evaluator.accuracy(MLP, d, Preprocessing.DEFAULT, 1);
    }

    @Test
    void selectionAccuracy_isMeasuredOnTheSelectionImages_andTheSearchDecidesOnIt() {
        LabeledImages selection = relabelled(TEST);
        Measurement m = new RuntimeCandidateEvaluator(TEST, selection, "tiny", Preprocessing.DEFAULT, 0, 3)
                .evaluate(MLP);
        assertEquals(accuracy(TEST), m.accuracy(), 1e-12);
        assertEquals(accuracy(selection), m.selectionAccuracy(), 1e-12);
        assertNotEquals(m.accuracy(), m.selectionAccuracy(), "the two sets are scored apart");
        assertEquals(m.selectionAccuracy(), m.decidingAccuracy());
    }

    @Test
    void theLimit_appliesToBoth_andWithoutSelectionImagesTheReportedAccuracyDecides() {
        LabeledImages selection = relabelled(TEST);
        Measurement m = new RuntimeCandidateEvaluator(TEST, selection, "tiny", Preprocessing.DEFAULT, 50, 3)
                .evaluate(MLP);
        assertEquals(accuracy(TEST.head(50)), m.accuracy(), 1e-12);
        assertEquals(accuracy(selection.head(50)), m.selectionAccuracy(), 1e-12);

        Measurement none = new RuntimeCandidateEvaluator(TEST, null, "tiny", Preprocessing.DEFAULT, 0, 3).evaluate(MLP);
        assertNull(none.selectionAccuracy());
        assertEquals(none.accuracy(), none.decidingAccuracy());
    }
}
