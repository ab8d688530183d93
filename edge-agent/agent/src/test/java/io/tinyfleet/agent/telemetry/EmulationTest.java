package io.tinyfleet.agent.telemetry;

import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.runtime.model.TinyModels;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmulationTest {

    static Path profiles() {
        String root = System.getProperty("tinyfleet.root", "../..");
        return Path.of(root, "device-profiles");
    }

    @Test
    void resolve_namesKnownProfiles_whenTheIdIsUnknown() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Emulation.resolve("raspberry-pi-9", profiles()));
        assertTrue(e.getMessage().startsWith("--emulate raspberry-pi-9: no profile"), e.getMessage());
        assertTrue(e.getMessage().contains("raspberry-pi-4"), e.getMessage());
    }

    @Test
    void threads_areCappedAtTheProfilesIntraOpThreadsAndCores() {
        Emulation zero = Emulation.resolve("raspberry-pi-zero-2w", profiles());
        assertTrue(zero.threads() <= zero.profile().cpu().cores());
        assertEquals(zero.threads(), zero.runtimeOptions().intraOpThreads());
    }

    @Test
    void benchmark_labelsTheReportEmulated_andSaysWhatIsCapped() {
        Emulation pi = Emulation.resolve("raspberry-pi-4", profiles());
        OnDeviceBenchmark b = new OnDeviceBenchmark("dev-1", Optional.empty(), Optional.of(pi), Optional.empty(),
                "no power meter in this test", () -> 42L);
        BenchmarkReport r = b.run(new OnDeviceBenchmark.Request(TinyModels.brightestPixel(1), "tiny", "local", "",
                OptionalDouble.of(0.9), 10, 20));
        assertTrue(r.getOk(), r.getError());
        assertTrue(r.getEmulated());
        assertEquals("raspberry-pi-4", r.getEmulatedProfile());
        assertEquals(pi.threads(), r.getIntraOpThreads());
        assertTrue(r.getNotesList().stream().anyMatch(n -> n.startsWith("emulated raspberry-pi-4")), r.getNotesList().toString());
        assertTrue(r.getLatencyP95Ms() >= r.getLatencyP50Ms() && r.getLatencyP50Ms() > 0);
        assertFalse(r.getEnergyPerInferenceJ().getKnown(), "no meter: energy unknown, never invented");
        assertEquals("no power meter in this test", r.getEnergyPerInferenceJ().getReason());
        assertEquals(0.9, r.getAccuracy(), 1e-9);
        assertFalse(r.getExceedsProfileMemory());
    }

    @Test
    void benchmark_reportsFailureInTheReport_notAsAnException() {
        OnDeviceBenchmark b = new OnDeviceBenchmark("dev-1", Optional.empty(), Optional.empty(), Optional.empty(), "",
                () -> 1L);
        var broken = TinyModels.brightestPixel(1);
        broken = broken.withGraph(broken.graph().toBuilder().setNode(0,
                broken.graph().getNode(0).toBuilder().setOpType("NoSuchOp")).build());
        BenchmarkReport r = b.run(new OnDeviceBenchmark.Request(broken, "bad", "local", "", OptionalDouble.empty(), 0, 5));
        assertFalse(r.getOk());
        assertFalse(r.getError().isBlank());
        assertFalse(r.getEmulated());
    }
}
