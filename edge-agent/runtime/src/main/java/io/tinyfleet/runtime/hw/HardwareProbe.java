package io.tinyfleet.runtime.hw;

import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.software.os.OperatingSystem;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Finds out what hardware the process runs on.
 *
 * <p>Reads procfs/sysfs/etc under {@link SystemRoots} first; OSHI (optional) fills whatever those
 * files did not tell, and everything on a non-Linux host. With OSHI off the result depends only on
 * the files, which is what fixture tests use. {@code new SystemInfo()} costs 200-400 ms, so OSHI is
 * only touched when a value is missing.
 */
public final class HardwareProbe {

    private final SystemRoots roots;
    private final boolean useOshi;

    /**
     * @param roots   where procfs, sysfs and /etc are
     * @param useOshi whether OSHI may fill values the files do not give
     */
    public HardwareProbe(SystemRoots roots, boolean useOshi) {
        this.roots = roots;
        this.useOshi = useOshi;
    }

    /** The running host, files first, OSHI for the gaps. */
    public static HardwareProbe forHost() {
        return new HardwareProbe(SystemRoots.host(), true);
    }

    /** The roots this probe reads. */
    public SystemRoots roots() {
        return roots;
    }

    /** Takes the inventory. Never throws for a missing file: the value is unknown instead. */
    public HardwareInventory inventory() {
        LinuxFiles.CpuInfo cpu = LinuxFiles.cpuInfo(roots)
                .orElse(new LinuxFiles.CpuInfo("", 0, 0, List.of(), 0));
        String model = cpu.model();
        int physical = cpu.physicalCores();
        int logical = cpu.logicalCores();
        OptionalLong maxFreq = LinuxFiles.maxFrequencyHz(roots);
        OptionalLong mem = LinuxFiles.totalMemoryBytes(roots);
        Optional<String> os = LinuxFiles.osPrettyName(roots);
        Optional<String> host = LinuxFiles.hostname(roots);
        // Without cpufreq (VMs, some boards) the kernel's "cpu MHz" is the best figure there is; OSHI
        // falls back to the same line, after spawning lshw (seconds), so take it directly.
        long freq = maxFreq.orElse(Math.round(cpu.reportedMhz() * 1_000_000));
        long memBytes = mem.orElse(0);
        String osName = os.orElse("");
        String hostname = host.orElse("");

        boolean gaps = model.isEmpty() || physical <= 0 || logical <= 0 || freq <= 0 || memBytes <= 0
                || osName.isEmpty() || hostname.isEmpty();
        if (useOshi && gaps) {
            Oshi o = Oshi.read();
            model = model.isEmpty() ? o.model : model;
            physical = physical > 0 ? physical : o.physical;
            logical = logical > 0 ? logical : o.logical;
            freq = freq > 0 ? freq : Math.max(0, o.maxFreqHz);
            memBytes = memBytes > 0 ? memBytes : o.memBytes;
            osName = osName.isEmpty() ? o.os : osName;
            hostname = hostname.isEmpty() ? o.hostname : hostname;
        }
        return new HardwareInventory(model, Math.max(physical, 0), Math.max(logical, 0), freq, memBytes,
                osName, System.getProperty("os.arch", ""), hostname, cpu.features(),
                LinuxFiles.boardModel(roots).orElse(""));
    }

    /** The values OSHI gives; kept in one place so OSHI is initialised once per call. */
    private static final class Oshi {
        String model = "";
        int physical;
        int logical;
        long maxFreqHz;
        long memBytes;
        String os = "";
        String hostname = "";

        static Oshi read() {
            Oshi o = new Oshi();
            try {
                SystemInfo si = new SystemInfo();
                CentralProcessor p = si.getHardware().getProcessor();
                o.model = p.getProcessorIdentifier().getName();
                o.physical = p.getPhysicalProcessorCount();
                o.logical = p.getLogicalProcessorCount();
                o.maxFreqHz = p.getMaxFreq();
                o.memBytes = si.getHardware().getMemory().getTotal();
                OperatingSystem os = si.getOperatingSystem();
                o.os = (os.getFamily() + " " + os.getVersionInfo().getVersion()).trim();
                o.hostname = os.getNetworkParams().getHostName();
            } catch (RuntimeException | LinkageError e) {
                // OSHI unsupported here: whatever it could not read stays unknown
            }
            return o;
        }
    }
}
