package io.tinyfleet.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void of_matchesDefinition7_onOneToHundred() {
        double[] x = new double[100];
        for (int i = 0; i < 100; i++) {
            x[99 - i] = i + 1; // reversed: order must not matter
        }
        LatencyStats s = LatencyStats.of(x);
        assertEquals(100, s.runs());
        assertEquals(50.5, s.p50(), 1e-9);
        assertEquals(95.05, s.p95(), 1e-9);
        assertEquals(99.01, s.p99(), 1e-9);
        assertEquals(50.5, s.mean(), 1e-9);
        assertEquals(1, s.min());
        assertEquals(100, s.max());
    }

    @Test
    void of_givesTheValue_whenOneSample() {
        LatencyStats s = LatencyStats.of(new double[] {3.5});
        assertEquals(3.5, s.p50());
        assertEquals(3.5, s.p99());
    }

    @Test
    void of_approachesExponentialQuantiles_onLargeSample() {
        Random r = new Random(7);
        double[] x = new double[200_000];
        for (int i = 0; i < x.length; i++) {
            x[i] = -Math.log(1 - r.nextDouble()); // Exp(1): quantile q is -ln(1-q)
        }
        LatencyStats s = LatencyStats.of(x);
        assertEquals(Math.log(2), s.p50(), 0.01);
        assertEquals(-Math.log(0.05), s.p95(), 0.03);
        assertEquals(-Math.log(0.01), s.p99(), 0.08);
    }

    @Test
    void of_refusesNoSamples() {
        assertThrows(IllegalArgumentException.class, () -> LatencyStats.of(new double[0]));
    }
}
