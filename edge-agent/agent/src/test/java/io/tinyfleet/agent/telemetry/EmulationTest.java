package io.tinyfleet.agent.telemetry;

import io.tinyfleet.agent.ota.HealthChecker;
import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.proto.v1.HealthCheck;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.TinyModels;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.profile.MemoryCap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
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
        assertTrue(r.getNotesList().stream().anyMatch(n -> n.startsWith("memory capped at raspberry-pi-4's 4096 MiB RAM")),
                r.getNotesList().toString());
    }

    private static final long MIB = 1L << 20;

    /** {@code base} renamed to {@code id} with {@code memoryMb} of RAM, loaded from a file as the catalogue would be. */
    static DeviceProfile board(Path dir, String base, String id, long memoryMb) throws IOException {
        String yaml = Files.readString(profiles().resolve(base + ".yaml"))
                .replaceFirst("(?m)^id: .*$", "id: " + id)
                .replaceFirst("(?m)^memoryMb: .*$", "memoryMb: " + memoryMb);
        Path f = dir.resolve(id + ".yaml");
        Files.writeString(f, yaml);
        return DeviceProfile.load(f);
    }

    /** Emulation of {@code p} with its default reserve and this process's RSS fixed at {@code rssMib}. */
    static Emulation withRss(DeviceProfile p, long rssMib) {
        return new Emulation(p, new MemoryCap(p.id(), p.memoryBytes(), MemoryCap.defaultReserveBytes(p.memoryBytes()),
                () -> rssMib * MIB));
    }

    @Test
    void healthCheck_failsWithMemoryCapExceeded_onATinyBoard_whileAPi4PassesTheSameModel(@TempDir Path dir) throws IOException {
        OnnxModel model = TinyModels.dense(1024); // 4 MiB of weights, about 20 MiB estimated
        Emulation tiny = withRss(board(dir, "raspberry-pi-4", "tiny-board", 160), 100); // 160 - 64 reserve = 96 MiB
        HealthChecker.Outcome o = new HealthChecker(tiny.runtimeOptions()).check(model, HealthCheck.getDefaultInstance(), null);
        assertFalse(o.passed());
        assertEquals("memory_cap_exceeded", o.code());
        assertTrue(o.detail().contains("measured RSS of 100 MiB"), o.detail());
        assertTrue(o.detail().contains("tiny-board's 160 MiB RAM minus a 64 MiB OS reserve = 96 MiB"), o.detail());

        Emulation pi = withRss(Emulation.resolve("raspberry-pi-4", profiles()).profile(), 100);
        HealthChecker.Outcome ok = new HealthChecker(pi.runtimeOptions()).check(model, HealthCheck.getDefaultInstance(), null);
        assertTrue(ok.passed(), ok.code() + ": " + ok.detail());
        ok.runtime().close();
    }

    /** Runs 10 benchmark runs of {@code model} under {@code e}; checks it failed for memory. */
    private static BenchmarkReport failedBenchmark(Emulation e, OnnxModel model, String id) {
        OnDeviceBenchmark b = new OnDeviceBenchmark("dev-1", Optional.empty(), Optional.of(e), Optional.empty(),
                "no power meter in this test", () -> 42L);
        BenchmarkReport r = b.run(new OnDeviceBenchmark.Request(model, id, "local", "", OptionalDouble.empty(), 0, 10));
        assertFalse(r.getOk());
        assertTrue(r.getExceedsProfileMemory());
        return r;
    }

    @Test
    void benchmark_failsAndIsFlagged_whenTheEmulatedBoardCannotHoldTheModel(@TempDir Path dir) throws IOException {
        BenchmarkReport r = failedBenchmark(withRss(board(dir, "raspberry-pi-4", "tiny-board", 160), 100),
                TinyModels.dense(1024), "dense");
        assertTrue(r.getError().startsWith("memory cap: "), r.getError());
        assertTrue(r.getEmulated());
        assertEquals("tiny-board", r.getEmulatedProfile());
    }

    @Test
    void benchmark_fails_whenTheRssMeasuredAfterTheRunsExceedsTheBudget(@TempDir Path dir) throws IOException {
        long realRss = io.tinyfleet.runtime.bench.Rss.current().orElse(-1);
        org.junit.jupiter.api.Assumptions.assumeTrue(realRss > 0, "RSS readable (Linux)");
        // a board with 3/4 of this JVM's RSS as RAM; the cap's own reads say 1 MiB, so loading passes, but the
        // benchmark's measurement after the runs is this JVM's real RSS, above the board's budget
        BenchmarkReport r = failedBenchmark(withRss(board(dir, "raspberry-pi-4", "tiny-board", realRss * 3 / 4 / MIB), 1),
                TinyModels.brightestPixel(1), "tiny");
        assertTrue(r.getError().startsWith("emulation violation: measured RSS ") && r.getError().endsWith("after 10 runs of tiny"),
                r.getError());
    }

    @Test
    void runtimeOptions_carryTheCap_andTheReserveCanBeSet() {
        Emulation pi = Emulation.resolve("raspberry-pi-4", profiles());
        assertEquals((4096 - 512) * MIB, pi.memoryBudgetBytes());
        assertEquals(pi.cap(), pi.runtimeOptions().memoryCap());
        assertEquals((4096 - 256) * MIB, pi.withOsReserveMb(256).memoryBudgetBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pi.withOsReserveMb(4096));
        assertTrue(e.getMessage().startsWith("--emulate-os-reserve must be in 0..4095 MiB for raspberry-pi-4"), e.getMessage());
        assertTrue(pi.memoryViolation(3584 * MIB).isEmpty());
        assertTrue(pi.memoryViolation(3585 * MIB).isPresent());
        assertTrue(pi.heapAdvice(1024 * MIB).isEmpty(), "a quarter of 4 GiB is what the Pi's JVM would get");
        assertTrue(pi.heapAdvice(1025 * MIB).orElseThrow().contains("-XX:MaxRAM=4096m"));
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
