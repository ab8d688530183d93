package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * {@link HostLoad} read straight from procfs on Linux: per-CPU jiffies from {@code /proc/stat},
 * {@code MemTotal}/{@code MemAvailable} from {@code /proc/meminfo}, {@code VmRSS} from
 * {@code /proc/self/status}, and this process's CPU time from the JVM
 * ({@code OperatingSystemMXBean.getProcessCpuTime}).
 *
 * <p>Hand-written rather than OSHI because of cost at 1 Hz on small boards: measured on the 2-core
 * x86 VM, one OSHI per-CPU tick read costs 0.55-0.85 ms of CPU (and
 * {@code getProcessorCpuLoadBetweenTicks} reads them again), {@code OSProcess.updateAttributes}
 * 0.2-0.7 ms, while reading {@code /proc/stat} costs 0.03 ms; a Raspberry Pi Zero 2 W core is several
 * times slower, and the agent's budget is 1 % of one core. OSHI also caches ticks for 300 ms. The roots
 * are configurable, so the parsers run on fixture trees.
 */
public final class ProcfsHostLoad implements HostLoad {

    private final Sysfs fs;
    private final Path stat;
    private final Path meminfo;
    private final Path status;
    private final LongSupplier processCpuNanos;
    private final LongSupplier clock;
    private long[][] lastCpus;
    private long lastProcessCpu = -1;
    private long lastNanos;

    /** The running host's procfs; this JVM's CPU time. */
    public ProcfsHostLoad(SystemRoots roots) {
        this(roots, Sysfs.host(), jvmCpuTime(), System::nanoTime);
    }

    ProcfsHostLoad(SystemRoots roots, Sysfs fs, LongSupplier processCpuNanos, LongSupplier clock) {
        this.fs = fs;
        this.stat = roots.proc().resolve("stat");
        this.meminfo = roots.proc().resolve("meminfo");
        this.status = roots.proc().resolve("self/status");
        this.processCpuNanos = processCpuNanos;
        this.clock = clock;
        this.lastCpus = perCpu();
        this.lastProcessCpu = processCpuNanos.getAsLong();
        this.lastNanos = clock.getAsLong();
    }

    /** Whether this host has a readable {@code /proc/stat} (Linux). */
    public static boolean available(SystemRoots roots) {
        try {
            CpuTicks.read(Sysfs.host(), roots.proc().resolve("stat"));
            return true;
        } catch (SensorReadException e) {
            return false;
        }
    }

    private static LongSupplier jvmCpuTime() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun::getProcessCpuTime;
        }
        return () -> -1;
    }

    @Override
    public synchronized Stats read() {
        long[][] cpus = perCpu();
        List<Double> loads = new ArrayList<>();
        if (cpus != null && lastCpus != null && cpus.length == lastCpus.length) {
            for (int i = 0; i < cpus.length; i++) {
                long total = cpus[i][1] - lastCpus[i][1];
                long busy = cpus[i][0] - lastCpus[i][0];
                if (total <= 0) {
                    loads.clear(); // no jiffy elapsed: load over the interval is unknown
                    break;
                }
                loads.add(Math.max(0, Math.min(1, (double) busy / total)));
            }
        }
        lastCpus = cpus;

        long cpu = processCpuNanos.getAsLong();
        long now = clock.getAsLong();
        OptionalDouble procCpu = OptionalDouble.empty();
        if (cpu >= 0 && lastProcessCpu >= 0 && now > lastNanos && cpu >= lastProcessCpu) {
            procCpu = OptionalDouble.of((double) (cpu - lastProcessCpu) / (now - lastNanos));
        }
        lastProcessCpu = cpu;
        lastNanos = now;

        OptionalLong total = OptionalLong.empty();
        OptionalLong available = OptionalLong.empty();
        try {
            String mem = fs.text(meminfo);
            total = kiloBytes(mem, "MemTotal:");
            available = kiloBytes(mem, "MemAvailable:");
            if (available.isEmpty()) { // kernels before 3.14
                OptionalLong free = kiloBytes(mem, "MemFree:");
                OptionalLong buffers = kiloBytes(mem, "Buffers:");
                OptionalLong cached = kiloBytes(mem, "Cached:");
                if (free.isPresent() && buffers.isPresent() && cached.isPresent()) {
                    available = OptionalLong.of(free.getAsLong() + buffers.getAsLong() + cached.getAsLong());
                }
            }
        } catch (SensorReadException e) {
            // memory stays unknown
        }
        OptionalLong rss;
        try {
            rss = kiloBytes(fs.text(status), "VmRSS:");
        } catch (SensorReadException e) {
            rss = OptionalLong.empty();
        }
        return new Stats(loads, procCpu, rss, total, available);
    }

    /** Sysfs has the CPU temperature; no OSHI here. */
    @Override
    public OptionalDouble cpuTemperatureCelsius() {
        return OptionalDouble.empty();
    }

    /** {busy, total} jiffies per {@code cpuN} line, or null if unreadable. */
    private long[][] perCpu() {
        String text;
        try {
            text = fs.text(stat);
        } catch (SensorReadException e) {
            return null;
        }
        List<long[]> cpus = new ArrayList<>();
        int start = 0;
        while (start < text.length() && text.startsWith("cpu", start)) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            if (end > start + 3 && Character.isDigit(text.charAt(start + 3))) {
                try {
                    cpus.add(CpuTicks.busyAndTotal(text.substring(start, end), stat.toString()));
                } catch (SensorReadException e) {
                    return null;
                }
            }
            start = end + 1;
        }
        return cpus.isEmpty() ? null : cpus.toArray(new long[0][]);
    }

    /** The value of {@code key} (e.g. {@code "MemTotal:"}) at the start of a line, in bytes when it is in kB, as is when it has no unit (counts). */
    static OptionalLong kiloBytes(String text, String key) {
        int at = text.startsWith(key) ? 0 : text.indexOf("\n" + key);
        if (at < 0) {
            return OptionalLong.empty();
        }
        int i = at == 0 && text.startsWith(key) ? key.length() : at + 1 + key.length();
        int n = text.length();
        while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        long v = 0;
        int digits = 0;
        while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            v = v * 10 + (text.charAt(i) - '0');
            i++;
            digits++;
        }
        if (digits == 0) {
            return OptionalLong.empty();
        }
        while (i < n && text.charAt(i) == ' ') {
            i++;
        }
        boolean kb = text.regionMatches(true, i, "kB", 0, 2);
        return OptionalLong.of(kb ? v * 1024L : v);
    }
}
