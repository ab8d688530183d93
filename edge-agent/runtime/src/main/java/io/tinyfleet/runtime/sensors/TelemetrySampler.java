package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;
import io.tinyfleet.runtime.profile.DeviceProfile;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The agent's hardware telemetry: CPU load per core, process CPU and RSS, memory used/total,
 * temperatures and power, as an immutable {@link TelemetrySnapshot} with a sequence number and a
 * timestamp. Meant for 1 Hz: everything slow (OSHI's {@code SystemInfo}, finding thermal zones and
 * power sensors) happens once in the constructor; a sample reads only a few small files.
 *
 * <pre>{@code
 * try (TelemetrySampler t = TelemetrySampler.forHost(Optional.of(profile))) {
 *     t.start(Duration.ofSeconds(1), snapshot -> publish(snapshot));
 *     ...
 * }
 * }</pre>
 */
public final class TelemetrySampler implements AutoCloseable {

    private final HostLoad host;
    private final Thermal thermal;
    private final PowerMeter power;
    private final String powerUnknown;
    private final Clock clock;
    private final LongSupplier nanos;
    private long sequence;
    private double lastJoules = Double.NaN;
    private long lastNanos;
    private ScheduledExecutorService executor;

    /**
     * @param roots        where sysfs (thermal zones) is
     * @param host         CPU, memory and process figures
     * @param power        the power meter (see {@link PowerSensors#meterOrEstimate}), or empty
     * @param powerUnknown why there is no meter (used when {@code power} is empty)
     */
    public TelemetrySampler(SystemRoots roots, HostLoad host, Optional<PowerMeter> power, String powerUnknown) {
        this(roots, Sysfs.host(), host, power, powerUnknown, Clock.systemUTC(), System::nanoTime);
    }

    TelemetrySampler(SystemRoots roots, Sysfs fs, HostLoad host, Optional<PowerMeter> power, String powerUnknown,
                     Clock clock, LongSupplier nanos) {
        this.host = Objects.requireNonNull(host, "host");
        this.thermal = new Thermal(fs, roots.sys());
        this.power = power.orElse(null);
        this.powerUnknown = powerUnknown == null || powerUnknown.isBlank() ? "no power meter" : powerUnknown;
        this.clock = clock;
        this.nanos = nanos;
        primePower();
    }

    /**
     * The running host: procfs for CPU/memory/process on Linux ({@link ProcfsHostLoad}, OSHI
     * elsewhere), {@code /sys} for temperatures and power (OSHI's battery where there is no sysfs),
     * and the profile's estimate when no power sensor can be read.
     *
     * @param profile the device profile, if known (for the power estimate)
     */
    public static TelemetrySampler forHost(Optional<DeviceProfile> profile) {
        SystemRoots roots = SystemRoots.host();
        PowerSensors sensors = PowerSensors.scan(roots);
        boolean procfs = ProcfsHostLoad.available(roots);
        oshi.SystemInfo si = procfs ? null : new oshi.SystemInfo();
        Optional<PowerMeter> meter = sensors.primary();
        if (meter.isEmpty() && si != null) {
            meter = OshiBatteryMeter.fallback(roots.sys(), () -> si.getHardware().getPowerSources());
        }
        if (meter.isEmpty()) {
            meter = sensors.meterOrEstimate(profile);
        }
        HostLoad host = procfs ? new ProcfsHostLoad(roots) : new OshiHostLoad(si);
        return new TelemetrySampler(roots, host, meter, meter.isPresent() ? "" : sensors.whyUnknown(profile));
    }

    /** The power source label ({@code measured:...}, {@code estimated:profile}) or {@code unknown}. */
    public String powerSource() {
        return power == null ? "unknown" : power.source();
    }

    /** Takes one sample; the sequence number increases by one per call. */
    public synchronized TelemetrySnapshot sample() {
        HostLoad.Stats s = host.read();
        List<Reading> temps = thermal.read();
        Reading cpuTemp = thermal.cpu(temps, thermal.any() ? OptionalDouble.empty() : host.cpuTemperatureCelsius());
        OptionalLong used = s.memoryTotalBytes().isPresent() && s.memoryAvailableBytes().isPresent()
                ? OptionalLong.of(s.memoryTotalBytes().getAsLong() - s.memoryAvailableBytes().getAsLong())
                : OptionalLong.empty();
        return new TelemetrySnapshot(sequence++, clock.instant(), s.coreLoads(), s.processCpuCores(),
                s.processRssBytes(), used, s.memoryTotalBytes(), cpuTemp, temps, readPower());
    }

    /**
     * Samples every {@code period} in a daemon thread and hands each snapshot to {@code sink};
     * an exception from the sink is swallowed so sampling goes on.
     */
    public synchronized void start(Duration period, Consumer<TelemetrySnapshot> sink) {
        if (executor != null) {
            throw new IllegalStateException("telemetry sampler already started");
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tinyfleet-telemetry");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleAtFixedRate(() -> {
            try {
                sink.accept(sample());
            } catch (RuntimeException e) {
                // a failing consumer must not stop telemetry
            }
        }, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops the sampling thread, if started. */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private void primePower() {
        if (power != null && power.kind() == PowerMeter.Kind.CUMULATIVE_JOULES) {
            try {
                lastJoules = power.read();
                lastNanos = nanos.getAsLong();
            } catch (SensorReadException e) {
                lastJoules = Double.NaN;
            }
        }
    }

    private Reading readPower() {
        if (power == null) {
            return Reading.unknown("power", powerUnknown);
        }
        try {
            double v = power.read();
            if (power.kind() == PowerMeter.Kind.INSTANT_WATTS) {
                return new Reading(power.origin(), power.sensor(), OptionalDouble.of(v), "");
            }
            long t = nanos.getAsLong();
            double prevJ = lastJoules;
            long prevT = lastNanos;
            lastJoules = v;
            lastNanos = t;
            if (Double.isNaN(prevJ) || t <= prevT) {
                return Reading.unknown(power.sensor(), "first reading of an energy counter: power is known from the next sample");
            }
            double watts = Energy.counterDelta(prevJ, v, power.wrapJoules()) / ((t - prevT) / 1e9);
            return new Reading(power.origin(), power.sensor(), OptionalDouble.of(watts), "");
        } catch (SensorReadException | IllegalStateException e) {
            return Reading.unknown(power.sensor(), e.getMessage());
        }
    }
}
