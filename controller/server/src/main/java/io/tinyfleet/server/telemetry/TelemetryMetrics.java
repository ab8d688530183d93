package io.tinyfleet.server.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tinyfleet.proto.v1.HardwareSample;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-device gauges, scraped at {@code GET /prometheus}:
 * {@code tinyfleet_device_cpu_load{device}} (0..1), {@code tinyfleet_device_memory_used_bytes{device}},
 * {@code tinyfleet_device_temperature_celsius{device}}, {@code tinyfleet_device_power_watts{device}},
 * {@code tinyfleet_device_latency_p95_ms{device,model}},
 * {@code tinyfleet_device_energy_per_inference_joules{device,model}},
 * {@code tinyfleet_device_process_rss_bytes{device}} (the agent process),
 * {@code tinyfleet_device_emulation_memory_violation{device}} (1 when an emulating agent's RSS exceeds the
 * emulated device's RAM minus its OS reserve, 0 when within, NaN when not emulating) and the counters
 * {@code tinyfleet_telemetry_samples_received_total{device}} / {@code ..._lost_total{device}}.
 * An unknown figure reads NaN (Prometheus' "no value"), never a made-up 0.
 */
@Singleton
public class TelemetryMetrics {

    /** Latest figures of one device. */
    static final class DeviceGauges {
        volatile double cpu = Double.NaN;
        volatile double mem = Double.NaN;
        volatile double temp = Double.NaN;
        volatile double power = Double.NaN;
        volatile double rss = Double.NaN;
        volatile double violation = Double.NaN;
        Counter received;
        Counter lost;
    }

    /** Latest benchmark figures of one model on one device. */
    static final class ModelGauges {
        volatile double p95 = Double.NaN;
        volatile double energy = Double.NaN;
    }

    private final MeterRegistry registry;
    private final Map<String, DeviceGauges> devices = new ConcurrentHashMap<>();
    private final Map<String, ModelGauges> models = new ConcurrentHashMap<>();

    TelemetryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private DeviceGauges device(String id) {
        return devices.computeIfAbsent(id, k -> {
            DeviceGauges g = new DeviceGauges();
            Gauge.builder("tinyfleet.device.cpu.load", g, x -> x.cpu).tag("device", k)
                    .description("mean CPU load of the device, 0..1").register(registry);
            Gauge.builder("tinyfleet.device.memory.used", g, x -> x.mem).tag("device", k).baseUnit("bytes")
                    .description("physical memory in use on the device").register(registry);
            Gauge.builder("tinyfleet.device.temperature", g, x -> x.temp).tag("device", k).baseUnit("celsius")
                    .description("CPU/SoC temperature").register(registry);
            Gauge.builder("tinyfleet.device.power", g, x -> x.power).tag("device", k).baseUnit("watts")
                    .description("device power, measured or estimated from its profile").register(registry);
            Gauge.builder("tinyfleet.device.process.rss", g, x -> x.rss).tag("device", k).baseUnit("bytes")
                    .description("resident memory of the agent process").register(registry);
            Gauge.builder("tinyfleet.device.emulation.memory.violation", g, x -> x.violation).tag("device", k)
                    .description("1 when an emulating agent's RSS exceeds the emulated device's RAM minus its OS reserve")
                    .register(registry);
            g.received = Counter.builder("tinyfleet.telemetry.samples.received").tag("device", k)
                    .description("hardware samples stored").register(registry);
            g.lost = Counter.builder("tinyfleet.telemetry.samples.lost").tag("device", k)
                    .description("hardware samples lost (sequence gaps)").register(registry);
            return g;
        });
    }

    /**
     * Updates a device's gauges from its latest sample and counts received and lost samples.
     *
     * @param memoryBudgetBytes the emulated device's memory budget from the batch, 0 when not emulating
     */
    public void onSamples(String deviceId, HardwareSample latest, int stored, long lost, long memoryBudgetBytes) {
        DeviceGauges g = device(deviceId);
        if (latest != null) {
            Long rss = latest.getProcessRssBytes() >= 0 ? latest.getProcessRssBytes() : null;
            g.rss = rss == null ? Double.NaN : rss;
            g.violation = memoryBudgetBytes <= 0 || rss == null ? Double.NaN
                    : TelemetryViews.overBudget(rss, memoryBudgetBytes) ? 1 : 0;
            g.cpu = latest.getCpuLoad() >= 0 ? latest.getCpuLoad() : Double.NaN;
            g.mem = latest.getMemoryUsedBytes() >= 0 ? latest.getMemoryUsedBytes() : Double.NaN;
            Double t = TelemetryStore.value(latest.getCpuTemperatureC());
            g.temp = t == null ? Double.NaN : t;
            Double p = TelemetryStore.value(latest.getPowerW());
            g.power = p == null ? Double.NaN : p;
        }
        g.received.increment(stored);
        g.lost.increment(lost);
    }

    /** Updates the latency and energy gauges of one model on one device. */
    public void onBenchmark(TelemetryViews.Benchmark b) {
        if (!b.ok()) {
            return;
        }
        String model = b.modelId().isEmpty() ? b.modelSha256() : b.modelId();
        ModelGauges g = models.computeIfAbsent(b.deviceId() + "\u0000" + model, k -> {
            ModelGauges m = new ModelGauges();
            Gauge.builder("tinyfleet.device.latency.p95", m, x -> x.p95).tags("device", b.deviceId(), "model", model)
                    .baseUnit("ms").description("p95 latency at batch 1 from the on-device benchmark").register(registry);
            Gauge.builder("tinyfleet.device.energy.per.inference", m, x -> x.energy)
                    .tags("device", b.deviceId(), "model", model).baseUnit("joules")
                    .description("energy per inference from the on-device benchmark").register(registry);
            return m;
        });
        g.p95 = b.latencyP95Ms() == null ? Double.NaN : b.latencyP95Ms();
        g.energy = b.energyPerInferenceJ() == null ? Double.NaN : b.energyPerInferenceJ();
    }
}
