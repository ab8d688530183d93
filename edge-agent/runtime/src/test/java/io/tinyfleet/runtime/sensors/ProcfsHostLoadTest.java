package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcfsHostLoadTest {

    private static final String STAT_LATER = """
            cpu  20175 0 10000 160225 2000 0 400 0 0 0
            cpu0 5050 0 2500 40050 500 0 100 0 0 0
            cpu1 5100 0 2500 40000 500 0 100 0 0 0
            cpu2 5000 0 2500 40100 500 0 100 0 0 0
            cpu3 5025 0 2500 40075 500 0 100 0 0 0
            intr 0""";

    @Test
    void read_givesPerCoreLoadMemoryRssAndProcessCpu_onRaspberryPi4(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("raspberry-pi-4", tmp);
        AtomicLong cpuNanos = new AtomicLong(5_000_000_000L);
        Fixtures.FakeNanos clock = new Fixtures.FakeNanos();
        ProcfsHostLoad load = new ProcfsHostLoad(roots, Sysfs.host(), cpuNanos::get, clock);

        Fixtures.write(roots.proc().resolve("stat"), STAT_LATER);
        cpuNanos.addAndGet(20_000_000L);   // 20 ms of CPU
        clock.advanceSeconds(1);
        HostLoad.Stats s = load.read();

        assertEquals(List.of(0.5, 1.0, 0.0, 0.25), s.coreLoads());
        assertEquals(0.02, s.processCpuCores().getAsDouble(), 1e-12);
        assertEquals(65432L * 1024, s.processRssBytes().getAsLong());
        assertEquals(3884244L * 1024, s.memoryTotalBytes().getAsLong());
        assertEquals(3214568L * 1024, s.memoryAvailableBytes().getAsLong());

        // no jiffy elapsed since: load over the interval is unknown, not zero
        clock.advanceSeconds(0.001);
        assertTrue(load.read().coreLoads().isEmpty());
    }

    @Test
    void read_addsFreeBuffersCached_whenKernelHasNoMemAvailable(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("raspberry-pi-4", tmp);
        Fixtures.write(roots.proc().resolve("meminfo"),
                "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n");
        HostLoad.Stats s = new ProcfsHostLoad(roots, Sysfs.host(), () -> -1, System::nanoTime).read();
        assertEquals(420L * 1024, s.memoryAvailableBytes().getAsLong());
        assertTrue(s.processCpuCores().isEmpty(), "no CPU time from the JVM stays unknown");
    }

    @Test
    void read_leavesUnreadableFiguresEmpty_onVmWithoutMeminfo() {
        SystemRoots roots = Fixtures.roots("vm-empty");
        HostLoad.Stats s = new ProcfsHostLoad(roots, Sysfs.host(), () -> 0, System::nanoTime).read();
        assertTrue(s.memoryTotalBytes().isEmpty());
        assertTrue(s.memoryAvailableBytes().isEmpty());
        assertTrue(s.processRssBytes().isEmpty());
    }

    @Test
    void telemetry_onRaspberryPi4Fixture_reportsMemoryUsedAndStaysUnknownWithoutPower(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("raspberry-pi-4", tmp);
        Fixtures.FakeNanos clock = new Fixtures.FakeNanos();
        ProcfsHostLoad load = new ProcfsHostLoad(roots, Sysfs.host(), () -> 0, clock);
        try (TelemetrySampler t = new TelemetrySampler(roots, Sysfs.host(), load, Optional.empty(), "no sensor",
                java.time.Clock.systemUTC(), clock)) {
            Fixtures.write(roots.proc().resolve("stat"), STAT_LATER);
            clock.advanceSeconds(1);
            TelemetrySnapshot s = t.sample();
            assertEquals(0, s.sequence());
            assertEquals(List.of(0.5, 1.0, 0.0, 0.25), s.coreLoads());
            assertEquals((3884244L - 3214568L) * 1024, s.memoryUsedBytes().getAsLong());
            assertFalse(s.power().isKnown());
            assertEquals("no sensor", s.power().reason());
            assertEquals(1, t.sample().sequence());
        }
    }

    @Test
    void available_isTrueOnlyWithProcStat() {
        assertTrue(ProcfsHostLoad.available(Fixtures.roots("raspberry-pi-4")));
        assertFalse(ProcfsHostLoad.available(SystemRoots.under(Fixtures.dir("raspberry-pi-4").resolve("sys"))));
    }

    @Test
    void parsers_handleOldKernelLinesAndSimilarKeys() throws Exception {
        // a 2.6 kernel's 7-field cpu line: busy = user+nice+system+irq+softirq, total adds idle+iowait
        assertEquals(List.of(19L, 28L), java.util.Arrays.stream(CpuTicks.busyAndTotal("cpu0 1 2 3 4 5 6 7", "stat")).boxed().toList());
        SensorReadException bad = org.junit.jupiter.api.Assertions.assertThrows(SensorReadException.class,
                () -> CpuTicks.busyAndTotal("cpu0 1 x 3 4", "stat"));
        assertEquals("not a number in a cpu line of stat: cpu0 1 x 3 4", bad.getMessage());
        String meminfo = "MemTotal: 10 kB\nSwapCached: 5 kB\nCached:\t7 kB\nHugePages_Total: 3\n";
        assertEquals(7L * 1024, ProcfsHostLoad.kiloBytes(meminfo, "Cached:").getAsLong());
        assertEquals(10L * 1024, ProcfsHostLoad.kiloBytes(meminfo, "MemTotal:").getAsLong());
        assertEquals(3L, ProcfsHostLoad.kiloBytes(meminfo, "HugePages_Total:").getAsLong());
        assertTrue(ProcfsHostLoad.kiloBytes(meminfo, "MemAvailable:").isEmpty());
    }
}
