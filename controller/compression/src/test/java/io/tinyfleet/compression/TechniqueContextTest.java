package io.tinyfleet.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import org.junit.jupiter.api.Test;

class TechniqueContextTest {

    /** Image i has every pixel and its label equal to i mod 10, so where each image went can be read back. */
    static LabeledImages numbered(int n) {
        byte[] pixels = new byte[n * 4];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 10);
            java.util.Arrays.fill(pixels, i * 4, i * 4 + 4, (byte) i);
        }
        return LabeledImages.of(2, 2, pixels, labels);
    }

    @Test
    void onTrainingSplit_holdingOut_validatesOnTheLastImages_andTrainsOnTheRest() {
        LabeledImages all = numbered(200);
        TechniqueContext ctx = TechniqueContext.onTrainingSplit(7, "d", all, true, Preprocessing.DEFAULT, 16, null, null);
        assertEquals(180, ctx.train().count(), "a tenth at most is held out of 200");
        assertEquals(20, ctx.validation().count());
        for (int i = 0; i < 180; i++) {
            assertEquals((byte) i, (byte) ctx.train().pixel(i, 0), "training image " + i);
        }
        for (int i = 0; i < 20; i++) {
            assertEquals((byte) (180 + i), (byte) ctx.validation().pixel(i, 3), "validation image " + i);
            assertEquals((180 + i) % 10, ctx.validation().label(i));
        }
    }

    @Test
    void onTrainingSplit_withoutHoldOut_trainsOnEveryImage_andHasNoValidation() {
        LabeledImages all = numbered(200);
        TechniqueContext ctx = TechniqueContext.onTrainingSplit(7, "d", all, false, Preprocessing.DEFAULT, 16, null, null);
        assertEquals(200, ctx.train().count());
        assertNull(ctx.validation(), "the test split is never passed as validation");
    }

    @Test
    void pipeline_choosesOnValidation_onlyWithMixedPrecision() {
        TechniqueRegistry reg = TechniqueRegistry.standard();
        assertTrue(Pipeline.parse("prune:sparsity=0.5 > quantize:mixed,budget=0.5", reg).choosesOnValidation());
        assertFalse(Pipeline.parse("prune:sparsity=0.5,finetune=1 > cluster:k=16 > quantize:int8", reg)
                .choosesOnValidation());
    }

    @Test
    void trainValidation_capsTheHoldOutAtFiveThousand() {
        LabeledImages[] tv = TechniqueContext.trainValidation(numbered(60_000));
        assertEquals(55_000, tv[0].count());
        assertEquals(TechniqueContext.VALIDATION_SAMPLES, tv[1].count());
    }

    @Test
    void onTrainingSplit_withoutData_hasNeitherTrainingNorValidationImages() {
        TechniqueContext ctx = TechniqueContext.onTrainingSplit(7, "none", null, true, Preprocessing.DEFAULT, 16, null, null);
        assertNull(ctx.train());
        assertNull(ctx.validation());
    }
}
