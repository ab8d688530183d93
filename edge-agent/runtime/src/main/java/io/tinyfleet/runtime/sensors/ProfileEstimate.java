package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.profile.DeviceProfile;

import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Power estimated from the device profile where no sensor measures it (Raspberry Pi, VMs):
 * {@code P = idle + u × (loaded − idle)}, with {@code u} the CPU utilisation of the profile's cores
 * (busy host CPUs from {@code /proc/stat}, divided by {@code cpu.cores} of the profile, at most 1).
 * Exposed as a cumulative energy counter (power constant between two reads), so energy over a window
 * is exact for this model whoever else reads the meter. Every figure is labelled
 * {@code estimated:profile}.
 */
public final class ProfileEstimate implements PowerMeter {

    private final DeviceProfile.Power power;
    private final int cores;
    private final Sysfs fs;
    private final Path procStat;
    private final LongSupplier clock;
    private CpuTicks lastTicks;
    private long lastNanos;
    private double joules;

    ProfileEstimate(DeviceProfile profile, Sysfs fs, Path procStat, LongSupplier clock) throws SensorReadException {
        this.power = profile.power();
        this.cores = profile.cpu().cores();
        this.fs = fs;
        this.procStat = procStat;
        this.clock = clock;
        this.lastTicks = CpuTicks.read(fs, procStat);
        this.lastNanos = clock.getAsLong();
    }

    /**
     * Power at utilisation {@code u}: {@code idle + u × (loaded − idle)}, {@code u} clamped to [0, 1].
     *
     * @param power       the profile's idle and loaded power
     * @param utilisation fraction of the device's cores busy
     */
    public static double watts(DeviceProfile.Power power, double utilisation) {
        double u = Math.max(0, Math.min(1, utilisation));
        return power.idleWatts() + u * (power.loadedWatts() - power.idleWatts());
    }

    @Override
    public String sensor() {
        return "profile";
    }

    @Override
    public Reading.Origin origin() {
        return Reading.Origin.ESTIMATED;
    }

    @Override
    public Kind kind() {
        return Kind.CUMULATIVE_JOULES;
    }

    /** Estimated energy (J) since this meter was created. */
    @Override
    public synchronized double read() throws SensorReadException {
        CpuTicks now = CpuTicks.read(fs, procStat);
        long t = clock.getAsLong();
        double u = now.busyCpusSince(lastTicks) / cores;
        joules += watts(power, u) * Math.max(0, t - lastNanos) / 1e9;
        lastTicks = now;
        lastNanos = t;
        return joules;
    }
}
