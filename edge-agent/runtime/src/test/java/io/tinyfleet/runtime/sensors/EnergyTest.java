package io.tinyfleet.runtime.sensors;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnergyTest {

    private static final long S = 1_000_000_000L;

    @Test
    void trapezoid_isExact_forPiecewiseLinearPowerWithUnevenSamples() {
        // 0 W at 0 s rising to 10 W at 2 s, flat to 3.5 s, down to 4 W at 4 s: 10 + 15 + 3.5 = 28.5 J
        PowerTrace t = PowerTrace.ofWatts("measured:ina3221:VDD_IN",
                new long[] {0, S / 2, 2 * S, 3 * S + S / 2, 4 * S},
                new double[] {0, 2.5, 10, 10, 4});
        EnergyResult e = t.energy();
        assertEquals(28.5, e.joules(), 1e-12);
        assertEquals(4.0, e.seconds(), 0);
        assertEquals(28.5 / 4, e.averageWatts(), 1e-12);
        assertEquals("measured:ina3221:VDD_IN", e.source());
        assertEquals(5, e.samples());
    }

    @Test
    void energy_interpolatesAtWindowEdges_forInstantSamples() {
        // P(t) = 2t W sampled at 0, 1, 2, 3 s; over [0.5, 2.5] s the integral is t^2 = 6.25 - 0.25 = 6 J
        PowerTrace t = PowerTrace.ofWatts("measured:x", new long[] {0, S, 2 * S, 3 * S}, new double[] {0, 2, 4, 6});
        EnergyResult e = t.energy(S / 2, 2 * S + S / 2);
        assertEquals(6.0, e.joules(), 1e-12);
        assertEquals(3.0, e.averageWatts(), 1e-12);
        assertEquals(2, e.samples());
    }

    @Test
    void counterTrace_addsDifferences_acrossWrapAround() {
        // RAPL-like counter with a 100 J range: 90 -> 98 (8 J) -> wraps to 3 (5 J) -> 10 (7 J)
        PowerTrace t = PowerTrace.ofCounter("measured:rapl:package-0", 100.0,
                new long[] {0, S, 2 * S, 4 * S}, new double[] {90, 98, 3, 10});
        EnergyResult e = t.energy();
        assertEquals(20.0, e.joules(), 1e-12);
        assertEquals(5.0, e.averageWatts(), 1e-12);
        assertEquals("measured:rapl:package-0", e.source());
    }

    @Test
    void counterTrace_takesPowerAsConstantWithinInterval_whenWindowCutsIt() {
        PowerTrace t = PowerTrace.ofCounter("measured:rapl:package-0", 100.0,
                new long[] {0, 2 * S, 4 * S}, new double[] {10, 30, 34});
        // 10 W for the first 2 s, 2 W for the next 2 s; window [1 s, 3 s] = 10 + 2
        assertEquals(12.0, t.energy(S, 3 * S).joules(), 1e-12);
    }

    @Test
    void counterDelta_refusesBackwardsCounter_withoutRange() {
        assertEquals(7.0, Energy.counterDelta(3, 10, 0));
        assertEquals(15.0, Energy.counterDelta(95, 10, 100));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Energy.counterDelta(10, 3, 0));
        assertTrue(e.getMessage().contains("went backwards"), e.getMessage());
    }

    @Test
    void energy_needsTwoSamples_andSaysWhyTheReadsFailed() {
        PowerTrace one = new PowerTrace("measured:battery:BAT0", PowerMeter.Kind.INSTANT_WATTS, 0,
                new long[] {5}, new double[] {7.0}, 3, "BAT0 is Full, not Discharging");
        IllegalStateException e = assertThrows(IllegalStateException.class, one::energy);
        assertEquals("power trace from measured:battery:BAT0 has 1 sample(s); energy needs at least two"
                + " (last read failed: BAT0 is Full, not Discharging)", e.getMessage());
    }

    @Test
    void trace_refusesTimesThatDoNotIncrease_andWindowsOutside() {
        assertThrows(IllegalArgumentException.class,
                () -> PowerTrace.ofWatts("measured:x", new long[] {0, 0}, new double[] {1, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> PowerTrace.ofWatts("measured:x", new long[] {0, 1}, new double[] {1, Double.NaN}));
        PowerTrace t = PowerTrace.ofWatts("measured:x", new long[] {0, S}, new double[] {1, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.energy(0, 2 * S));
        assertTrue(e.getMessage().contains("outside the samples"), e.getMessage());
    }

    @Test
    void joulesPerInference_dividesEnergyByCount() {
        EnergyResult e = PowerTrace.ofWatts("measured:x", new long[] {0, 2 * S}, new double[] {3, 3}).energy();
        assertEquals(6.0, e.joules(), 1e-12);
        assertEquals(0.006, e.joulesPerInference(1000), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> e.joulesPerInference(0));
    }
}
