package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TelemetrySamplerTest {

    /** Fixed figures; OSHI's "no sensor" temperature of 0.0 °C. */
    private static final class FakeHost implements HostLoad {
        int reads;

        @Override
        public Stats read() {
            reads++;
            return new Stats(List.of(0.25, 0.75), OptionalDouble.of(0.01), OptionalLong.of(64L << 20),
                    OptionalLong.of(4L << 30), OptionalLong.of(3L << 30));
        }

        @Override
        public OptionalDouble cpuTemperatureCelsius() {
            return OptionalDouble.of(0.0);
        }
    }

    private static TelemetrySampler sampler(SystemRoots roots, Optional<PowerMeter> power, String why,
                                            Fixtures.FakeNanos nanos) {
        return new TelemetrySampler(roots, Sysfs.host(), new FakeHost(), power, why,
                Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC), nanos);
    }

    @Test
    void sample_numbersSnapshotsInOrder_andKeepsMissingPowerUnknown() {
        SystemRoots roots = Fixtures.roots("raspberry-pi-4");
        PowerSensors sensors = PowerSensors.scan(roots);
        String why = sensors.whyUnknown(Optional.empty());
        try (TelemetrySampler t = sampler(roots, sensors.meterOrEstimate(Optional.empty()), why, new Fixtures.FakeNanos())) {
            assertEquals("unknown", t.powerSource());
            for (long seq = 0; seq < 3; seq++) {
                TelemetrySnapshot s = t.sample();
                assertEquals(seq, s.sequence());
                assertEquals(Instant.parse("2026-11-29T12:00:00Z"), s.timestamp());
                assertEquals(List.of(0.25, 0.75), s.coreLoads());
                assertEquals(1L << 30, s.memoryUsedBytes().getAsLong());
                assertEquals(4L << 30, s.memoryTotalBytes().getAsLong());
                assertEquals(64L << 20, s.processRssBytes().getAsLong());
                assertFalse(s.power().isKnown(), "no power sensor and no profile stays unknown");
                assertEquals("unknown:power", s.power().source());
                assertTrue(s.power().reason().contains("no device profile"), s.power().reason());
                assertEquals("measured:thermal:cpu-thermal", s.cpuTemperature().source());
                assertEquals(48.686, s.cpuTemperature().value().getAsDouble(), 1e-12);
            }
        }
    }

    @Test
    void sample_turnsOshiZeroDegrees_intoUnknown_onVm() {
        try (TelemetrySampler t = sampler(Fixtures.roots("vm-empty"), Optional.empty(), "", new Fixtures.FakeNanos())) {
            TelemetrySnapshot s = t.sample();
            assertFalse(s.cpuTemperature().isKnown());
            assertTrue(s.temperatures().isEmpty());
            assertTrue(s.cpuTemperature().reason().contains("no thermal zone under"), s.cpuTemperature().reason());
            assertTrue(s.cpuTemperature().reason().contains("OSHI reports 0.0 °C"), s.cpuTemperature().reason());
            Map<String, Object> json = s.toMap();
            assertEquals(Map.of("source", "unknown:cpu", "reason", s.cpuTemperature().reason()), json.get("cpuTemperatureC"));
        }
    }

    @Test
    void sample_marksImplausibleZone_unknown_andPicksCpuZone_onJetsonOrin() throws Exception {
        SystemRoots roots = Fixtures.roots("jetson-orin");
        PowerSensors sensors = PowerSensors.scan(roots);
        try (TelemetrySampler t = sampler(roots, sensors.primary(), "", new Fixtures.FakeNanos())) {
            TelemetrySnapshot s = t.sample();
            assertEquals("measured:thermal:cpu-thermal", s.cpuTemperature().source());
            Reading cv0 = s.temperatures().get(2);
            assertEquals("unknown:thermal:cv0-thermal", cv0.source());
            assertTrue(cv0.reason().startsWith("implausible temperature -256.0 °C"), cv0.reason());
            assertEquals("measured:ina3221:VDD_IN", s.power().source());
            assertEquals(5.072 * 1.128, s.power().value().getAsDouble(), 1e-12);
        }
    }

    @Test
    void sample_derivesPowerFromCounterDifferences_acrossWrap(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("x86-rapl", tmp);
        Path energy = roots.sys().resolve("class/powercap/intel-rapl:0/energy_uj");
        Fixtures.write(energy, 262_000_000_000L);
        Fixtures.FakeNanos nanos = new Fixtures.FakeNanos();
        PowerSensors sensors = PowerSensors.scan(roots);
        try (TelemetrySampler t = sampler(roots, sensors.primary(), "", nanos)) {
            // 143.32885 J to the wrap plus 6.67115 J after it = 150 J in 10 s
            Fixtures.write(energy, 6_671_150L);
            nanos.advanceSeconds(10);
            Reading p = t.sample().power();
            assertEquals("measured:rapl:package-0", p.source());
            assertEquals(15.0, p.value().getAsDouble(), 1e-9);

            energy.toFile().delete();
            nanos.advanceSeconds(1);
            Reading gone = t.sample().power();
            assertFalse(gone.isKnown());
            assertTrue(gone.reason().startsWith("missing: "), gone.reason());
        }
    }

    @Test
    void sample_reportsEstimatedPower_onRaspberryPiWithProfile(@TempDir Path tmp) throws Exception {
        SystemRoots roots = Fixtures.copy("raspberry-pi-5", tmp);
        PowerSensors sensors = PowerSensors.scan(roots);
        Optional<PowerMeter> meter = sensors.meterOrEstimate(Optional.of(Fixtures.profile()));
        try (TelemetrySampler t = new TelemetrySampler(roots, Sysfs.host(), new FakeHost(), meter, "",
                Clock.systemUTC(), System::nanoTime)) {
            Thread.sleep(50);
            Reading p = t.sample().power();
            assertEquals("estimated:profile", p.source());
            // the fixture's /proc/stat does not move: utilisation 0, so the profile's idle 5 W
            assertEquals(5.0, p.value().getAsDouble(), 0.25, p.toString());
        }
    }

    @Test
    void start_deliversSnapshotsFromDaemonThread() throws Exception {
        CopyOnWriteArrayList<TelemetrySnapshot> got = new CopyOnWriteArrayList<>();
        CountDownLatch three = new CountDownLatch(3);
        try (TelemetrySampler t = sampler(Fixtures.roots("vm-empty"), Optional.empty(), "", new Fixtures.FakeNanos())) {
            t.start(Duration.ofMillis(10), s -> {
                got.add(s);
                three.countDown();
            });
            assertTrue(three.await(5, TimeUnit.SECONDS));
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(i, got.get(i).sequence());
        }
    }

    @Test
    void oshiHostLoad_readsThisMachine() {
        OshiHostLoad host = new OshiHostLoad();
        HostLoad.Stats s = host.read();
        assertEquals(Runtime.getRuntime().availableProcessors() > 0, !s.coreLoads().isEmpty());
        s.coreLoads().forEach(l -> assertTrue(l >= 0 && l <= 1, "load " + l));
        assertTrue(s.processRssBytes().orElseThrow() > 1 << 20);
        assertTrue(s.memoryTotalBytes().orElseThrow() >= s.memoryAvailableBytes().orElseThrow());
    }
}
