package io.tinyfleet.runtime.hw;

import java.util.List;

/**
 * What a device is made of. Unknown text values are empty strings and unknown numbers are 0,
 * matching the wire protocol's {@code HardwareInventory} (proto3 defaults): never a made-up value.
 *
 * @param cpuModel         e.g. "AMD EPYC", "Cortex-A72"
 * @param physicalCores    physical cores
 * @param logicalCores     hardware threads
 * @param maxFrequencyHz   highest CPU clock: cpufreq's {@code cpuinfo_max_freq}, else the kernel's
 *                         "cpu MHz" (the nominal clock on VMs), 0 when the OS does not say
 * @param totalMemoryBytes RAM
 * @param os               e.g. "Debian GNU/Linux 12 (bookworm)"
 * @param arch             the JVM's {@code os.arch}, e.g. "amd64", "aarch64"
 * @param hostname         host name
 * @param cpuFeatures      ISA flags as the kernel names them (avx2, fma, neon, asimd ...)
 * @param boardModel       board name from the device tree, e.g. "Raspberry Pi 4 Model B Rev 1.4"
 */
public record HardwareInventory(
        String cpuModel,
        int physicalCores,
        int logicalCores,
        long maxFrequencyHz,
        long totalMemoryBytes,
        String os,
        String arch,
        String hostname,
        List<String> cpuFeatures,
        String boardModel) {

    /** Defensive copy; nulls become "unknown". */
    public HardwareInventory {
        cpuModel = orEmpty(cpuModel);
        os = orEmpty(os);
        arch = orEmpty(arch);
        hostname = orEmpty(hostname);
        boardModel = orEmpty(boardModel);
        cpuFeatures = cpuFeatures == null ? List.of() : List.copyOf(cpuFeatures);
    }

    /** Whether {@code feature} (e.g. "avx2") is among the CPU's flags. */
    public boolean hasCpuFeature(String feature) {
        return cpuFeatures.contains(feature);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s.trim();
    }
}
