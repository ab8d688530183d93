package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PowerSensorsTest {

    private static List<String> sensors(List<PowerMeter> meters) {
        return meters.stream().map(PowerMeter::sensor).toList();
    }

    private static Reading unavailable(PowerSensors s, String sensor) {
        return s.unavailable().stream().filter(r -> r.sensor().equals(sensor)).findFirst()
                .orElseThrow(() -> new AssertionError(sensor + " not in " + s.unavailable()));
    }

    @Test
    void scan_picksRaplPackage_onX86() throws Exception {
        PowerSensors s = PowerSensors.scan(Fixtures.roots("x86-rapl"));

        PowerMeter primary = s.primary().orElseThrow();
        assertEquals("measured:rapl:package-0", primary.source());
        assertEquals(PowerMeter.Kind.CUMULATIVE_JOULES, primary.kind());
        assertEquals(262143.32885, primary.wrapJoules(), 1e-9);
        assertEquals(123456.789012, primary.read(), 1e-9);
        assertEquals(List.of("rapl:package-0", "rapl:package-0/core", "rapl:package-0/uncore", "rapl:package-0/dram"),
                sensors(s.meters()));
        assertTrue(s.unavailable().isEmpty(), s.unavailable().toString());
    }

    @Test
    void scan_reportsRaplUnknownWithReason_whenPermissionDenied() {
        Sysfs rootOnly = new Sysfs(file -> {
            if (file.getFileName().toString().equals("energy_uj")) {
                throw new AccessDeniedException(file.toString());
            }
            return Sysfs.DEFAULT.read(file);
        });
        SystemRoots roots = Fixtures.roots("x86-rapl");
        PowerSensors s = PowerSensors.scan(roots, rootOnly);

        assertTrue(s.primary().isEmpty());
        Reading pkg = unavailable(s, "rapl:package-0");
        assertFalse(pkg.isKnown());
        assertTrue(pkg.value().isEmpty());
        assertTrue(pkg.reason().startsWith("permission denied: "), pkg.reason());
        assertTrue(pkg.reason().contains("intel-rapl:0/energy_uj"), pkg.reason());
        assertTrue(pkg.reason().contains("root only"), pkg.reason());
        assertEquals("unknown:rapl:package-0", pkg.source());

        assertTrue(s.meterOrEstimate(Optional.empty()).isEmpty());
        String why = s.whyUnknown(Optional.empty());
        assertTrue(why.contains("rapl:package-0: permission denied"), why);
        assertTrue(why.contains("no device profile"), why);
        assertEquals("estimated:profile", s.meterOrEstimate(Optional.of(Fixtures.profile())).orElseThrow().source());
    }

    @Test
    void scan_sumsPackagesAndUnwrapsEach_whenTwoSockets(@TempDir Path tmp) throws Exception {
        SystemRoots roots = Fixtures.copy("x86-rapl", tmp);
        Path pkg0 = roots.sys().resolve("class/powercap/intel-rapl:0");
        Path pkg1 = roots.sys().resolve("class/powercap/intel-rapl:1");
        Fixtures.write(pkg0.resolve("max_energy_range_uj"), 100_000_000);   // 100 J
        Fixtures.write(pkg0.resolve("energy_uj"), 95_000_000);
        Fixtures.write(pkg1.resolve("name"), "package-1");
        Fixtures.write(pkg1.resolve("max_energy_range_uj"), 100_000_000);
        Fixtures.write(pkg1.resolve("energy_uj"), 10_000_000);

        PowerMeter both = PowerSensors.scan(roots).primary().orElseThrow();
        assertEquals("measured:rapl:package-0+package-1", both.source());
        assertEquals(0.0, both.wrapJoules());
        assertEquals(0.0, both.read());
        Fixtures.write(pkg0.resolve("energy_uj"), 3_000_000);   // wrapped: 5 J + 3 J
        Fixtures.write(pkg1.resolve("energy_uj"), 14_000_000);  // 4 J
        assertEquals(12.0, both.read(), 1e-12);
        Fixtures.write(pkg0.resolve("energy_uj"), 4_000_000);   // 1 J
        Fixtures.write(pkg1.resolve("energy_uj"), 16_500_000);  // 2.5 J
        assertEquals(15.5, both.read(), 1e-12);
    }

    @Test
    void scan_prefersPsys_overPackages(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("x86-rapl", tmp);
        Path psys = roots.sys().resolve("class/powercap/intel-rapl:1");
        Fixtures.write(psys.resolve("name"), "psys");
        Fixtures.write(psys.resolve("energy_uj"), 1);
        Fixtures.write(psys.resolve("max_energy_range_uj"), 262143328850L);
        assertEquals("measured:rapl:psys", PowerSensors.scan(roots).primary().orElseThrow().source());
    }

    @Test
    void scan_picksVddInRail_onJetsonOrinHwmon() throws Exception {
        PowerSensors s = PowerSensors.scan(Fixtures.roots("jetson-orin"));

        PowerMeter vddIn = s.primary().orElseThrow();
        assertEquals("measured:ina3221:VDD_IN", vddIn.source());
        assertEquals(PowerMeter.Kind.INSTANT_WATTS, vddIn.kind());
        assertEquals(5.072 * 1.128, vddIn.read(), 1e-12);
        assertEquals(List.of("ina3221:VDD_IN", "ina3221:VDD_CPU_GPU_CV", "ina3221:VDD_SOC"), sensors(s.meters()));
        assertEquals(5.064 * 0.312, s.meters().get(1).read(), 1e-12);
    }

    @Test
    void scan_skipsUnconnectedRailAndReportsMissingCurrent(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("jetson-orin", tmp);
        Path hw = roots.sys().resolve("class/hwmon/hwmon1");
        Fixtures.write(hw.resolve("in3_label"), "NC");
        hw.resolve("curr2_input").toFile().delete();

        PowerSensors s = PowerSensors.scan(roots);
        assertEquals(List.of("ina3221:VDD_IN"), sensors(s.meters()));
        Reading cpuGpu = unavailable(s, "ina3221:VDD_CPU_GPU_CV");
        assertTrue(cpuGpu.reason().startsWith("missing: "), cpuGpu.reason());
        assertTrue(cpuGpu.reason().endsWith("curr2_input"), cpuGpu.reason());
    }

    @Test
    void scan_readsIioRails_onJetsonNano() throws Exception {
        PowerSensors s = PowerSensors.scan(Fixtures.roots("jetson-nano"));

        PowerMeter in = s.primary().orElseThrow();
        assertEquals("measured:ina3221:POM_5V_IN", in.source());
        assertEquals(2.431, in.read(), 1e-12);
        assertEquals(List.of("ina3221:POM_5V_IN", "ina3221:POM_5V_GPU", "ina3221:POM_5V_CPU"), sensors(s.meters()));
    }

    @Test
    void scan_findsNoPowerSensor_onRaspberryPi4And5_soProfileEstimates() {
        for (String board : List.of("raspberry-pi-4", "raspberry-pi-5")) {
            PowerSensors s = PowerSensors.scan(Fixtures.roots(board));
            assertTrue(s.meters().isEmpty(), board + ": " + s.meters());
            assertTrue(s.primary().isEmpty(), board);
            PowerMeter estimate = s.meterOrEstimate(Optional.of(Fixtures.profile())).orElseThrow();
            assertEquals("estimated:profile", estimate.source());
            assertInstanceOf(ProfileEstimate.class, estimate);
        }
    }

    @Test
    void scan_readsDischargingBattery_andIgnoresMouseAndGpu() throws Exception {
        PowerSensors s = PowerSensors.scan(Fixtures.roots("laptop-battery"));

        PowerMeter bat = s.primary().orElseThrow();
        assertEquals("measured:battery:BAT0", bat.source());
        assertEquals(9.876, bat.read(), 1e-12);
        assertEquals(List.of("hwmon:amdgpu:PPT", "battery:BAT0"), sensors(s.meters()));
        assertEquals(2.15, s.meters().get(0).read(), 1e-12);
    }

    @Test
    void battery_multipliesCurrentAndVoltage_whenNoPowerNow(@TempDir Path tmp) throws Exception {
        SystemRoots roots = Fixtures.copy("laptop-battery", tmp);
        Path bat = roots.sys().resolve("class/power_supply/BAT0");
        bat.resolve("power_now").toFile().delete();
        Fixtures.write(bat.resolve("current_now"), 850_000);     // 0.85 A
        Fixtures.write(bat.resolve("voltage_now"), 11_400_000);  // 11.4 V
        assertEquals(0.85 * 11.4, PowerSensors.scan(roots).primary().orElseThrow().read(), 1e-12);
    }

    @Test
    void battery_isUnknownWithStatus_whenCharging(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("laptop-battery", tmp);
        Fixtures.write(roots.sys().resolve("class/power_supply/BAT0/status"), "Charging");

        PowerSensors s = PowerSensors.scan(roots);
        assertTrue(s.primary().isEmpty());
        Reading bat = unavailable(s, "battery:BAT0");
        assertEquals("BAT0 is Charging, not Discharging: its rate does not measure the system's power", bat.reason());
        SensorReadException e = assertThrows(SensorReadException.class,
                () -> s.meters().stream().filter(m -> m.sensor().equals("battery:BAT0")).findFirst().orElseThrow().read());
        assertTrue(e.getMessage().contains("Charging"));
    }

    @Test
    void scan_reportsNotANumber_asUnknown(@TempDir Path tmp) {
        SystemRoots roots = Fixtures.copy("jetson-nano", tmp);
        Fixtures.write(roots.sys().resolve("bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_power0_input"), "garbage");
        PowerSensors s = PowerSensors.scan(roots);
        assertTrue(s.primary().isEmpty(), "a rail that does not read a number must not become the device's power");
        assertTrue(unavailable(s, "ina3221:POM_5V_IN").reason().startsWith("not an integer in "));
    }

    @Test
    void scan_findsNothing_onEmptyVm() {
        PowerSensors s = PowerSensors.scan(Fixtures.roots("vm-empty"));
        assertTrue(s.meters().isEmpty());
        assertTrue(s.unavailable().isEmpty());
        assertTrue(s.meterOrEstimate(Optional.empty()).isEmpty());
        assertTrue(s.whyUnknown(Optional.empty()).startsWith("no readable power sensor"));
    }
}
