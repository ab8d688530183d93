package io.tinyfleet.runtime.hw;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Parsers for the few procfs/sysfs/etc files the inventory needs. Each returns empty when the file
 * is absent or does not say, so the caller can fall back to OSHI or report unknown.
 *
 * <p>Hand-written rather than OSHI's because OSHI's roots are process-wide constants fixed when its
 * classes load; these take the roots per call, which the fixture tests need.
 */
final class LinuxFiles {

    /** ARM "CPU part" ids (MIDR) of cores found on boards TinyFleet targets. */
    private static final Map<String, String> ARM_PARTS = Map.of(
            "0xc07", "Cortex-A7",
            "0xd03", "Cortex-A53",
            "0xd04", "Cortex-A35",
            "0xd05", "Cortex-A55",
            "0xd07", "Cortex-A57",
            "0xd08", "Cortex-A72",
            "0xd0b", "Cortex-A76",
            "0xd0c", "Neoverse-N1");

    /**
     * What {@code /proc/cpuinfo} tells.
     *
     * @param reportedMhz highest "cpu MHz" line (x86 kernels), 0 when absent
     */
    record CpuInfo(String model, int logicalCores, int physicalCores, List<String> features, double reportedMhz) {
    }

    private LinuxFiles() {
    }

    static Optional<String> read(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Parses {@code cpuinfo} of x86 ("model name", "flags") or ARM ("CPU part", "Features"). */
    static Optional<CpuInfo> cpuInfo(SystemRoots roots) {
        return read(roots.proc().resolve("cpuinfo")).map(LinuxFiles::parseCpuInfo);
    }

    static CpuInfo parseCpuInfo(String text) {
        String model = "";
        String armPart = "";
        String boardModelLine = "";
        int processors = 0;
        Set<String> cores = new HashSet<>();
        Set<String> features = new LinkedHashSet<>();
        String physicalId = "0";
        double mhz = 0;
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "processor" -> {
                    processors++;
                    physicalId = "0";
                }
                case "model name" -> {
                    if (model.isEmpty()) {
                        model = value;
                    }
                }
                case "CPU part" -> {
                    if (armPart.isEmpty()) {
                        armPart = value;
                    }
                }
                case "Model" -> boardModelLine = value;
                case "physical id" -> physicalId = value;
                case "cpu MHz" -> {
                    try {
                        mhz = Math.max(mhz, Double.parseDouble(value));
                    } catch (NumberFormatException ignored) {
                        // not a number: unknown
                    }
                }
                case "core id" -> cores.add(physicalId + "/" + value);
                case "flags", "Features" -> {
                    if (features.isEmpty() && !value.isEmpty()) {
                        features.addAll(Arrays.asList(value.split("\\s+")));
                    }
                }
                default -> {
                }
            }
        }
        // ARM kernels say "ARMv7 Processor rev 3 (v7l)" or nothing; the part id names the core.
        String armCore = ARM_PARTS.get(armPart.toLowerCase());
        if (armCore != null && (model.isEmpty() || model.startsWith("ARMv"))) {
            model = armCore;
        } else if (model.isEmpty()) {
            model = boardModelLine;
        }
        int physical = cores.isEmpty() ? processors : cores.size();
        return new CpuInfo(model, processors, physical, new ArrayList<>(features), mhz);
    }

    /** Highest {@code cpufreq/cpuinfo_max_freq} over all CPUs, in Hz. */
    static OptionalLong maxFrequencyHz(SystemRoots roots) {
        Path cpus = roots.sys().resolve("devices/system/cpu");
        if (!Files.isDirectory(cpus)) {
            return OptionalLong.empty();
        }
        long max = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(cpus, "cpu[0-9]*")) {
            for (Path cpu : dirs) {
                Optional<String> khz = read(cpu.resolve("cpufreq/cpuinfo_max_freq"));
                if (khz.isPresent()) {
                    try {
                        max = Math.max(max, Long.parseLong(khz.get().trim()) * 1000L);
                    } catch (NumberFormatException ignored) {
                        // an unreadable value is unknown, not zero
                    }
                }
            }
        } catch (IOException | SecurityException e) {
            return OptionalLong.empty();
        }
        return max > 0 ? OptionalLong.of(max) : OptionalLong.empty();
    }

    /** {@code MemTotal} of {@code meminfo}, in bytes. */
    static OptionalLong totalMemoryBytes(SystemRoots roots) {
        return read(roots.proc().resolve("meminfo")).map(text -> {
            for (String line : text.split("\n")) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.substring("MemTotal:".length()).trim().split("\\s+");
                    try {
                        long v = Long.parseLong(parts[0]);
                        boolean kb = parts.length < 2 || parts[1].equalsIgnoreCase("kB");
                        return OptionalLong.of(kb ? v * 1024L : v);
                    } catch (NumberFormatException e) {
                        return OptionalLong.empty();
                    }
                }
            }
            return OptionalLong.empty();
        }).orElse(OptionalLong.empty());
    }

    /** {@code PRETTY_NAME} of {@code os-release}. */
    static Optional<String> osPrettyName(SystemRoots roots) {
        return read(roots.etc().resolve("os-release")).flatMap(text -> {
            for (String line : text.split("\n")) {
                if (line.startsWith("PRETTY_NAME=")) {
                    String v = line.substring("PRETTY_NAME=".length()).trim();
                    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"")
                            || v.startsWith("'") && v.endsWith("'"))) {
                        v = v.substring(1, v.length() - 1);
                    }
                    return v.isBlank() ? Optional.empty() : Optional.of(v);
                }
            }
            return Optional.empty();
        });
    }

    /** Device-tree board model (Raspberry Pi, Jetson), without the trailing NUL. */
    static Optional<String> boardModel(SystemRoots roots) {
        return read(roots.sys().resolve("firmware/devicetree/base/model"))
                .map(s -> s.replace("\0", "").trim())
                .filter(s -> !s.isEmpty());
    }

    /** {@code sys/kernel/hostname} under procfs. */
    static Optional<String> hostname(SystemRoots roots) {
        return read(roots.proc().resolve("sys/kernel/hostname")).map(String::trim).filter(s -> !s.isEmpty());
    }
}
