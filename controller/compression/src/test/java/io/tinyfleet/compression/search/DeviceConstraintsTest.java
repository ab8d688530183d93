package io.tinyfleet.compression.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.runtime.profile.DeviceProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceConstraintsTest {

    static DeviceProfile profile(int cores, int mhz, long memoryMb, long storageMb, double loadedWatts, int threads) {
        return DeviceProfile.parse("""
                id: tiny-board
                name: Tiny board
                cpu: {model: "Cortex-A53", arch: aarch64, cores: %d, clockMhz: %d}
                memoryMb: %d
                storageMb: %d
                power: {idleWatts: 1.0, loadedWatts: %s}
                onnxruntime: {executionProviders: [CPU], intraOpThreads: %d}
                sources: {cpu: test, memory: test, storage: test, power: test}
                """.formatted(cores, mhz, memoryMb, storageMb, loadedWatts, threads), "test");
    }

    static final DeviceProfile BOARD = profile(4, 1000, 100, 10, 4.0, 2);

    @Test
    void of_takesSharesOfRamAndStorage_andTheFloorBelowTheBaseline() {
        DeviceConstraints c = DeviceConstraints.of(BOARD, new Limits(0.5, 0.25, 10.0, 20.0, 1.5), 0.90);
        assertEquals(50L * 1024 * 1024, c.maxMemoryBytes());
        assertEquals((long) (2.5 * 1024 * 1024), c.maxStorageBytes());
        assertEquals(0.885, c.minAccuracy(), 1e-12);
        assertEquals(10.0, c.maxLatencyMs());
    }

    @Test
    void check_acceptsFiguresExactlyAtEveryLimit() {
        DeviceConstraints c = new DeviceConstraints("b", 1000, 500, 2.0, 8.0, 0.9);
        DeviceConstraints.Verdict v = c.check(new Measurement(0.9, null, 500, 100, 1000L, 1.0, 10L),
                new ProfileEstimator.Estimate(2.0, 8.0, 2.0));
        assertTrue(v.feasible(), v.violations().toString());
        assertEquals(List.of(), v.violated());
    }

    @Test
    void check_namesEachConstraintJustPastItsLimit() {
        DeviceConstraints c = new DeviceConstraints("b", 1000, 500, 2.0, 8.0, 0.9);
        DeviceConstraints.Verdict v = c.check(new Measurement(0.8999, null, 501, 100, 1001L, 1.0, 10L),
                new ProfileEstimator.Estimate(2.0001, 8.0001, 2.0));
        assertFalse(v.feasible());
        assertEquals(List.of("memory", "storage", "latency", "energy", "accuracy"), v.violated());
        assertEquals(5, v.violations().size());
        assertTrue(v.violations().get(2).contains("estimated latency"), v.violations().get(2));
    }

    @Test
    void check_listsUnknownMemoryAsUnchecked_notAsViolated() {
        DeviceConstraints c = new DeviceConstraints("b", 1000, 500, null, null, null);
        DeviceConstraints.Verdict v = c.check(new Measurement(0.5, null, 10, 5, null, 1.0, 1L), null);
        assertTrue(v.feasible());
        assertEquals(List.of("memory"), v.unchecked());
    }

    @Test
    void estimate_scalesByThreadsTimesClock_andEnergyIsLoadedWattsTimesLatency() {
        ProfileEstimator host = new ProfileEstimator(1, 3000, "test");
        // device: min(4 cores, 2 threads) x 1000 MHz = 2000 vs host 1 x 3000 => 1.5x slower
        ProfileEstimator.Estimate e = host.estimate(BOARD, 2.0);
        assertEquals(1.5, e.ratio(), 1e-12);
        assertEquals(3.0, e.latencyMs(), 1e-12);
        assertEquals(12.0, e.energyMj(), 1e-12);
    }

    @Test
    void limits_refuseAnOutOfRangeShare_namingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Limits(1.5, 0.5, null, null, 1));
        assertTrue(e.getMessage().startsWith("memory share"), e.getMessage());
    }
}
