package io.tinyfleet.compression.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** Optimisers on a quadratic, and the learning-rate schedules. */
class OptimizerTest {

    private static float minimise(Optimizer o, float lr) {
        FloatBuffer p = FloatBuffer.wrap(new float[] {3f});
        FloatBuffer g = FloatBuffer.allocate(1);
        for (int s = 1; s <= 500; s++) {
            g.put(0, 2 * (p.get(0) - 1));
            o.update("p", p, g, 1, lr, s);
        }
        return p.get(0);
    }

    @Test
    void optimisers_minimiseAQuadratic() {
        assertEquals(1f, minimise(new Optimizer.Sgd(0.9f, true, 0f), 0.01f), 1e-3f);
        assertEquals(1f, minimise(Optimizer.Adam.standard(0f, false), 0.05f), 1e-2f);
        assertTrue(minimise(Optimizer.Adam.standard(0.5f, true), 0.05f) < 0.99f, "AdamW decay pulls toward 0");
    }

    @Test
    void adamFirstStep_movesByTheLearningRate() {
        FloatBuffer p = FloatBuffer.wrap(new float[] {1f, 1f});
        Optimizer.Adam.standard(0f, false).update("p", p, FloatBuffer.wrap(new float[] {5f, -0.01f}), 2, 0.1f, 1);
        assertEquals(0.9f, p.get(0), 1e-5f);
        assertEquals(1.1f, p.get(1), 1e-4f);
    }

    @Test
    void schedules_followStepAndCosineShapes() {
        LrSchedule step = new LrSchedule.Step(1f, 10, 0.5f);
        assertEquals(1f, step.at(9, 100));
        assertEquals(0.25f, step.at(25, 100));
        LrSchedule cos = new LrSchedule.Cosine(1f, 0f, 10);
        assertEquals(0.1f, cos.at(0, 110), 1e-6f);
        assertEquals(1f, cos.at(10, 110), 1e-6f);
        assertEquals(0.5f, cos.at(60, 110), 1e-6f);
        assertEquals(0f, cos.at(110, 110), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule.Step(1f, 0, 0.5f));
    }
}
