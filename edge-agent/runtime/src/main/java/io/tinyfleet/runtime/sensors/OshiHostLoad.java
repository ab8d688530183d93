package io.tinyfleet.runtime.sensors;

import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.Sensors;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * {@link HostLoad} from OSHI, keeping the per-second set to the cheap calls (per-CPU ticks, memory,
 * own process: about 1 ms together); one {@link SystemInfo} for the process's life since creating
 * it costs 200-400 ms. No process list, disks or file stores (tens of ms each).
 */
public final class OshiHostLoad implements HostLoad {

    private final CentralProcessor cpu;
    private final GlobalMemory memory;
    private final Sensors sensors;
    private final OSProcess self;
    private long[][] ticks;
    private long cpuMillis;
    private long wallNanos;

    /** Creates OSHI's {@link SystemInfo} (slow, once) and primes the CPU counters. */
    public OshiHostLoad() {
        this(new SystemInfo());
    }

    /** Uses an existing {@link SystemInfo} (share one per process). */
    public OshiHostLoad(SystemInfo si) {
        this.cpu = si.getHardware().getProcessor();
        this.memory = si.getHardware().getMemory();
        this.sensors = si.getHardware().getSensors();
        OperatingSystem os = si.getOperatingSystem();
        this.self = os.getCurrentProcess();
        this.ticks = cpu.getProcessorCpuLoadTicks();
        this.cpuMillis = self == null ? 0 : self.getKernelTime() + self.getUserTime();
        this.wallNanos = System.nanoTime();
    }

    @Override
    public synchronized Stats read() {
        List<Double> loads = new ArrayList<>();
        long[][] now = cpu.getProcessorCpuLoadTicks();
        if (now.length == ticks.length) {
            for (double d : cpu.getProcessorCpuLoadBetweenTicks(ticks)) {
                loads.add(Double.isFinite(d) ? d : 0.0);
            }
        }
        ticks = now;
        OptionalDouble procCpu = OptionalDouble.empty();
        OptionalLong rss = OptionalLong.empty();
        if (self != null && self.updateAttributes()) {
            long ms = self.getKernelTime() + self.getUserTime();
            long t = System.nanoTime();
            if (t > wallNanos && ms >= cpuMillis) {
                procCpu = OptionalDouble.of((ms - cpuMillis) / ((t - wallNanos) / 1e6));
            }
            cpuMillis = ms;
            wallNanos = t;
            long r = self.getResidentSetSize();
            rss = r > 0 ? OptionalLong.of(r) : OptionalLong.empty();
        }
        long total = memory.getTotal();
        long avail = memory.getAvailable();
        return new Stats(loads, procCpu, rss,
                total > 0 ? OptionalLong.of(total) : OptionalLong.empty(),
                total > 0 && avail >= 0 ? OptionalLong.of(avail) : OptionalLong.empty());
    }

    @Override
    public OptionalDouble cpuTemperatureCelsius() {
        double c = sensors.getCpuTemperature();
        return Double.isNaN(c) ? OptionalDouble.empty() : OptionalDouble.of(c);
    }
}
