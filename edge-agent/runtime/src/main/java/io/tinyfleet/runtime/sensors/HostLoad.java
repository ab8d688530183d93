package io.tinyfleet.runtime.sensors;

import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * CPU, memory and own-process figures for {@link TelemetrySampler}; {@link OshiHostLoad} on a real
 * host, fakes in tests. Loads are over the interval since the previous {@link #read()}.
 */
public interface HostLoad {

    /**
     * One reading.
     *
     * @param coreLoads            busy fraction (0..1) of each logical CPU; empty when unknown
     * @param processCpuCores      CPU used by this process, in cores (1.0 = one core busy)
     * @param processRssBytes      resident set size of this process
     * @param memoryTotalBytes     physical memory
     * @param memoryAvailableBytes memory available to new work
     */
    record Stats(List<Double> coreLoads, OptionalDouble processCpuCores, OptionalLong processRssBytes,
                 OptionalLong memoryTotalBytes, OptionalLong memoryAvailableBytes) {
        /** Defensive copy. */
        public Stats {
            coreLoads = List.copyOf(coreLoads);
        }
    }

    /** Reads the figures; a figure that cannot be read is empty. */
    Stats read();

    /** OSHI's CPU temperature (0.0 or NaN when it has no sensor), only asked for when sysfs has none. */
    OptionalDouble cpuTemperatureCelsius();
}
