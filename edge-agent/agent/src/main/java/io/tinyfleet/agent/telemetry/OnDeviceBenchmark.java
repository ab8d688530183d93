package io.tinyfleet.agent.telemetry;

import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.runtime.bench.EvalOptions;
import io.tinyfleet.runtime.bench.EvalReport;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.profile.MemoryCapExceededException;
import io.tinyfleet.runtime.sensors.EnergyResult;
import io.tinyfleet.runtime.sensors.PowerMeter;
import io.tinyfleet.runtime.sensors.PowerSampler;
import io.tinyfleet.runtime.session.RuntimeOptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.LongSupplier;

/**
 * The on-device benchmark: the runtime's {@link Evaluator} (warm-up, p50/p95/p99 at batch 1,
 * throughput, peak RSS) while a {@link PowerSampler} samples power, giving average power (W) over
 * the benchmark window and energy per inference = average power × mean batch-1 latency (J), both
 * labelled with the power source ({@code measured:<sensor>} or {@code estimated:profile}) or unknown
 * with the reason. Under emulation the run fails ({@code ok=false}, {@code exceeds_profile_memory}) when the
 * model is refused by the emulated device's memory cap or the measured RSS after the runs exceeds it.
 * Accuracy is not re-measured here: it is the activation health check's accuracy on
 * the shipped eval shard, passed in by the caller, or unknown.
 */
public final class OnDeviceBenchmark {

    /**
     * What to benchmark.
     *
     * @param model        the model
     * @param modelId      its id in the fleet (OTA model id), or a file name
     * @param trigger      {@code activated}, {@code on-demand} or {@code local}
     * @param requestId    the request being answered, or empty
     * @param accuracy     accuracy on the shipped eval shard from the health check, if measured
     * @param evalSamples  samples behind {@code accuracy}
     * @param latencyRuns  timed runs (0: default 200)
     */
    public record Request(OnnxModel model, String modelId, String trigger, String requestId,
                          OptionalDouble accuracy, int evalSamples, int latencyRuns) {
    }

    private final String deviceId;
    private final Optional<DeviceProfile> profile;
    private final Optional<Emulation> emulation;
    private final Optional<PowerMeter> meter;
    private final String powerUnknown;
    private final LongSupplier clock;

    /**
     * @param deviceId     this device
     * @param profile      the device profile (for threads and labels), if any
     * @param emulation    the emulated profile, if any (threads capped, reports labelled emulated)
     * @param meter        the power meter or estimate, if any
     * @param powerUnknown why there is no meter (used when {@code meter} is empty)
     * @param clock        ms since the epoch
     */
    public OnDeviceBenchmark(String deviceId, Optional<DeviceProfile> profile, Optional<Emulation> emulation,
                             Optional<PowerMeter> meter, String powerUnknown, LongSupplier clock) {
        this.deviceId = deviceId;
        this.profile = profile;
        this.emulation = emulation;
        this.meter = meter;
        this.powerUnknown = powerUnknown == null || powerUnknown.isBlank() ? "no power meter" : powerUnknown;
        this.clock = clock;
    }

    /** Runtime options: the emulated profile's caps, else the device profile's, else one thread. */
    public RuntimeOptions runtimeOptions() {
        return emulation.map(Emulation::runtimeOptions)
                .or(() -> profile.map(RuntimeOptions::forProfile))
                .orElse(RuntimeOptions.defaults());
    }

    /** Runs the benchmark; a failure becomes a report with {@code ok=false} and the reason, never an exception. */
    public BenchmarkReport run(Request r) {
        int runs = r.latencyRuns() > 0 ? r.latencyRuns() : 200;
        int warmup = Math.max(5, runs / 10);
        BenchmarkReport.Builder b = BenchmarkReport.newBuilder()
                .setDeviceId(deviceId)
                .setTimestampMs(clock.getAsLong())
                .setRequestId(r.requestId() == null ? "" : r.requestId())
                .setTrigger(r.trigger())
                .setModelId(r.modelId() == null ? "" : r.modelId())
                .setWarmupRuns(warmup)
                .setLatencyRuns(runs);
        profile.ifPresent(p -> b.setDeviceProfileId(p.id()));
        emulation.ifPresent(e -> b.setEmulated(true).setEmulatedProfile(e.profile().id()).addAllNotes(e.notes()));
        try {
            OnnxModel m = r.model();
            b.setModelSha256(m.sha256()).setModelBytes(m.sizeBytes())
                    .setModelFamily(m.metadata().getOrDefault("tinyfleet.family", m.metadata().getOrDefault("tinyfleet.arch", "")))
                    .setModelName(m.metadata().getOrDefault("tinyfleet.name", r.modelId() == null ? "" : r.modelId()));
            EvalOptions o = EvalOptions.random().withRuns(warmup, runs).withRuntime(runtimeOptions());
            EvalReport[] out = new EvalReport[1];
            EnergyResult energy = null;
            String energyWhy = powerUnknown;
            if (meter.isPresent()) {
                try {
                    PowerSampler.Measured pm = PowerSampler.measure(meter.get(), Duration.ofMillis(50), () -> {
                        out[0] = Evaluator.evaluate(m, o);
                        return (long) runs;
                    });
                    energy = pm.energy();
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw e;
                } catch (Exception e) {
                    energyWhy = "power sampling failed: " + e.getMessage();
                    if (out[0] == null) {
                        out[0] = Evaluator.evaluate(m, o);
                    }
                }
            } else {
                out[0] = Evaluator.evaluate(m, o);
            }
            EvalReport e = out[0];
            b.setLatencyP50Ms(e.latencyMs().p50()).setLatencyP95Ms(e.latencyMs().p95())
                    .setLatencyP99Ms(e.latencyMs().p99()).setLatencyMeanMs(e.latencyMs().mean())
                    .setThroughputPerS(e.throughputPerSec())
                    .setPeakRssBytes(e.rssBytes() == null ? -1 : e.rssBytes())
                    .setIntraOpThreads(e.threads())
                    .setDataset(e.dataset());
            long growth = e.rssGrowthOnLoadBytes() == null || e.rssGrowthOnRunBytes() == null ? -1
                    : e.rssGrowthOnLoadBytes() + e.rssGrowthOnRunBytes();
            b.setRssGrowthBytes(growth);
            long rssAfterRuns = growth < 0 || e.rssBeforeLoadBytes() == null ? -1 : e.rssBeforeLoadBytes() + growth;
            Optional<String> violation = emulation.flatMap(em -> em.memoryViolation(rssAfterRuns));
            if (violation.isPresent()) {
                // the model loaded within the cap but running it took the process past the device's RAM
                throw new MemoryCapExceededException(violation.get() + " after " + runs + " runs of " + r.modelId(),
                        rssAfterRuns, emulation.get().memoryBudgetBytes(), true);
            }
            if (energy != null && energy.seconds() > 0 && Double.isFinite(energy.averageWatts())) {
                String src = energy.source();
                b.setAveragePowerW(TelemetryMessages.known(energy.averageWatts(), src));
                b.setEnergyPerInferenceJ(TelemetryMessages.known(energy.averageWatts() * e.latencyMs().mean() / 1000.0, src));
                b.addNotes("energy per inference = average power over the benchmark window x mean batch-1 latency"
                        + " (whole-device power, idle included)");
            } else {
                b.setAveragePowerW(TelemetryMessages.unknown(energyWhy));
                b.setEnergyPerInferenceJ(TelemetryMessages.unknown(energyWhy));
            }
            if (r.accuracy().isPresent()) {
                b.setAccuracyKnown(true).setAccuracy(r.accuracy().getAsDouble()).setEvalSamples(r.evalSamples())
                        .addNotes("accuracy from the activation health check on the shipped eval shard");
            }
            List<String> notes = new ArrayList<>(e.notes() == null ? List.of() : e.notes());
            b.addAllNotes(notes);
            return b.setOk(true).build();
        } catch (MemoryCapExceededException e) {
            return b.setOk(false).setError(e.getMessage()).setExceedsProfileMemory(true)
                    .setAveragePowerW(TelemetryMessages.unknown("benchmark failed"))
                    .setEnergyPerInferenceJ(TelemetryMessages.unknown("benchmark failed")).build();
        } catch (RuntimeException | LinkageError e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return b.setOk(false).setError(msg)
                    .setAveragePowerW(TelemetryMessages.unknown("benchmark failed"))
                    .setEnergyPerInferenceJ(TelemetryMessages.unknown("benchmark failed")).build();
        }
    }
}
