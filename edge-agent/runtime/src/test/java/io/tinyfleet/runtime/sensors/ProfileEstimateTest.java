package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;
import io.tinyfleet.runtime.profile.DeviceProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileEstimateTest {

    @Test
    void watts_isIdlePlusUtilisationTimesHeadroom() {
        DeviceProfile.Power p = new DeviceProfile.Power(2.7, 6.4);
        assertEquals(2.7, ProfileEstimate.watts(p, 0.0), 1e-12);
        assertEquals(2.7 + 0.25 * 3.7, ProfileEstimate.watts(p, 0.25), 1e-12);
        assertEquals(6.4, ProfileEstimate.watts(p, 1.0), 1e-12);
        assertEquals(6.4, ProfileEstimate.watts(p, 1.7), 1e-12, "utilisation above 1 is clamped");
        assertEquals(2.7, ProfileEstimate.watts(p, -0.1), 1e-12, "utilisation below 0 is clamped");
    }

    @Test
    void estimate_integratesUtilisationOfProfileCores_fromProcStat(@TempDir Path tmp) throws Exception {
        SystemRoots roots = Fixtures.copy("x86-rapl", tmp);   // 2 host CPUs
        Path stat = roots.proc().resolve("stat");
        Fixtures.FakeNanos clock = new Fixtures.FakeNanos();
        ProfileEstimate e = new ProfileEstimate(Fixtures.profile(), Sysfs.host(), stat, clock);
        assertEquals("estimated:profile", e.source());

        // +200 busy of +400 jiffies on 2 host CPUs = 1 busy CPU = 1/4 of the profile's 4 cores
        Fixtures.write(stat, "cpu  10100 0 5100 80200 1000 0 200 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0");
        clock.advanceSeconds(2);
        assertEquals(2 * (5 + 0.25 * 20), e.read(), 1e-12);

        // idle for 3 s more: +0 busy of +400
        Fixtures.write(stat, "cpu  10100 0 5100 80600 1000 0 200 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0");
        clock.advanceSeconds(3);
        assertEquals(20.0 + 15.0, e.read(), 1e-12);
    }

    @Test
    void estimate_cannotStart_withoutProcStat(@TempDir Path tmp) {
        SensorReadException e = assertThrows(SensorReadException.class, () -> new ProfileEstimate(
                Fixtures.profile(), Sysfs.host(), tmp.resolve("proc/stat"), System::nanoTime));
        assertTrue(e.getMessage().startsWith("missing: "), e.getMessage());
    }
}
