package io.tinyfleet.runtime.sensors;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One hardware telemetry sample of a device, immutable. Empty optionals and unknown
 * {@link Reading}s mean the figure could not be read; they are never filled with a guess.
 *
 * @param sequence        0, 1, 2, ... per sampler, so a receiver can spot lost samples
 * @param timestamp       when the sample was taken
 * @param coreLoads       busy fraction (0..1) per logical CPU since the previous sample; empty when unknown
 * @param processCpuCores CPU used by this process since the previous sample, in cores (on Linux the JVM
 *                        counts it in 10 ms jiffies, so at 1 Hz it moves in steps of 0.01 core)
 * @param processRssBytes resident set size of this process
 * @param memoryUsedBytes physical memory in use (total − available)
 * @param memoryTotalBytes physical memory
 * @param cpuTemperature  CPU/SoC temperature in °C
 * @param temperatures    every thermal zone, in °C
 * @param power           average power (W) since the previous sample, labelled with its source
 */
public record TelemetrySnapshot(
        long sequence,
        Instant timestamp,
        List<Double> coreLoads,
        OptionalDouble processCpuCores,
        OptionalLong processRssBytes,
        OptionalLong memoryUsedBytes,
        OptionalLong memoryTotalBytes,
        Reading cpuTemperature,
        List<Reading> temperatures,
        Reading power) {

    /** Defensive copies and null checks. */
    public TelemetrySnapshot {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(cpuTemperature, "cpuTemperature");
        Objects.requireNonNull(power, "power");
        coreLoads = List.copyOf(coreLoads);
        temperatures = List.copyOf(temperatures);
    }

    /** JSON-friendly form; unknown figures are left out, readings say their source or reason. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sequence", sequence);
        m.put("timestamp", timestamp.toString());
        m.put("coreLoads", coreLoads);
        processCpuCores.ifPresent(v -> m.put("processCpuCores", v));
        processRssBytes.ifPresent(v -> m.put("processRssBytes", v));
        memoryUsedBytes.ifPresent(v -> m.put("memoryUsedBytes", v));
        memoryTotalBytes.ifPresent(v -> m.put("memoryTotalBytes", v));
        m.put("cpuTemperatureC", cpuTemperature.toMap());
        List<Map<String, Object>> temps = new ArrayList<>();
        temperatures.forEach(r -> temps.add(r.toMap()));
        m.put("temperaturesC", temps);
        m.put("powerW", power.toMap());
        return m;
    }
}
