package io.tinyfleet.runtime.sensors;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PowerSamplerTest {

    /** 4 W, constant. */
    private static final class ConstantWatts implements PowerMeter {
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public String sensor() {
            return "ina3221:VDD_IN";
        }

        @Override
        public Reading.Origin origin() {
            return Reading.Origin.MEASURED;
        }

        @Override
        public Kind kind() {
            return Kind.INSTANT_WATTS;
        }

        @Override
        public double read() {
            reads.incrementAndGet();
            return 4.0;
        }
    }

    @Test
    void sampler_recordsTraceAroundWorkload_withEnergyOfConstantPower() throws Exception {
        ConstantWatts meter = new ConstantWatts();
        PowerSampler.Measured m = PowerSampler.measure(meter, Duration.ofMillis(5), () -> {
            Thread.sleep(60);
            return 30L;
        });
        PowerTrace t = m.trace();
        assertTrue(t.size() >= 3, "start, stop and periodic samples: " + t);
        assertEquals(t.size(), meter.reads.get());
        assertEquals(4.0, m.energy().averageWatts(), 1e-9);
        assertTrue(m.energy().seconds() >= 0.06, "the window covers the workload: " + m.energy().seconds());
        assertEquals(m.energy().joules() / 30, m.joulesPerInference(), 1e-15);
        assertEquals("measured:ina3221:VDD_IN", m.energy().source());
        assertTrue(m.samplingCpuNanos() >= 0);
    }

    @Test
    void sampler_countsFailedReads_andKeepsTheReason() {
        PowerMeter failing = new PowerMeter() {
            @Override
            public String sensor() {
                return "battery:BAT0";
            }

            @Override
            public Reading.Origin origin() {
                return Reading.Origin.MEASURED;
            }

            @Override
            public Kind kind() {
                return Kind.INSTANT_WATTS;
            }

            @Override
            public double read() throws SensorReadException {
                throw new SensorReadException("BAT0 is Full, not Discharging");
            }
        };
        PowerTrace t;
        try (PowerSampler s = new PowerSampler(failing, Duration.ofMillis(50))) {
            s.start();
            t = s.stop();
        }
        assertEquals(0, t.size());
        assertEquals(2, t.failedReads());
        assertEquals("BAT0 is Full, not Discharging", t.lastFailure());
        IllegalStateException e = assertThrows(IllegalStateException.class, t::energy);
        assertTrue(e.getMessage().contains("BAT0 is Full"), e.getMessage());
    }

    @Test
    void sampler_runsOnce_andRefusesBadPeriod() {
        ConstantWatts meter = new ConstantWatts();
        assertThrows(IllegalArgumentException.class, () -> new PowerSampler(meter, Duration.ZERO));
        try (PowerSampler s = new PowerSampler(meter, Duration.ofMillis(10))) {
            assertThrows(IllegalStateException.class, s::stop);
            s.start();
            assertThrows(IllegalStateException.class, s::start);
            PowerTrace first = s.stop();
            assertEquals(first, s.stop());
        }
    }
}
