package io.tinyfleet.runtime.profile;

import io.tinyfleet.runtime.bench.Rss;
import io.tinyfleet.runtime.model.OnnxModel;

import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A cap on this process's resident memory: the RAM of the device it runs as (a device profile, under
 * {@code --emulate}) minus a reserve for the operating system and the device's other processes. The
 * agent's own memory (JVM, heap, ONNX Runtime library) is not assumed: it is in the measured RSS.
 *
 * <p>ONNX Runtime allocates natively, so a JVM option cannot cap it. The cap is enforced where models
 * are loaded ({@link io.tinyfleet.runtime.session.ModelRuntime#open}): before loading, the current RSS
 * plus the model's {@link ModelMemoryEstimate} must fit in {@link #budgetBytes()}, otherwise the model
 * is refused; after loading, the measured RSS must fit, otherwise the session is closed and the model
 * refused. Each refusal is a {@link MemoryCapExceededException} naming the figure and the budget.
 * {@link #violation} checks a later measurement (telemetry, benchmark).
 *
 * <p>Where RSS cannot be read (no {@code /proc/self/status}), only the estimate is checked, and
 * {@link #describe()} says so.
 */
public final class MemoryCap {

    private final String device;
    private final long ramBytes;
    private final long reserveBytes;
    private final LongSupplier rss;

    /**
     * @param device       the device (profile id) whose RAM this is, for messages
     * @param ramBytes     the device's RAM
     * @param reserveBytes left to the OS and other processes (&ge; 0, below {@code ramBytes})
     * @param rss          this process's resident set in bytes, -1 when unknown
     */
    public MemoryCap(String device, long ramBytes, long reserveBytes, LongSupplier rss) {
        this.device = Objects.requireNonNull(device, "device");
        this.rss = Objects.requireNonNull(rss, "rss");
        if (ramBytes <= 0) {
            throw new IllegalArgumentException("memory cap of " + device + ": RAM must be > 0, got " + ramBytes);
        }
        if (reserveBytes < 0 || reserveBytes >= ramBytes) {
            throw new IllegalArgumentException("memory cap of " + device + ": OS reserve must be in [0, " + mib(ramBytes)
                    + "), got " + mib(reserveBytes));
        }
        this.ramBytes = ramBytes;
        this.reserveBytes = reserveBytes;
    }

    /**
     * The default OS reserve for a device of {@code ramBytes}: an eighth of its RAM, at least 64 MiB and
     * at most 512 MiB. An assumption for a headless Linux image (kernel, page cache floor, system
     * services), not a measured figure; set another with {@code --emulate-os-reserve}.
     */
    public static long defaultReserveBytes(long ramBytes) {
        long r = Math.min(512L << 20, Math.max(64L << 20, ramBytes / 8));
        return Math.min(r, ramBytes / 2);
    }

    /** The cap of {@code profile} with the default reserve, measuring this process's RSS. */
    public static MemoryCap forProfile(DeviceProfile profile) {
        return forProfile(profile, defaultReserveBytes(profile.memoryBytes()));
    }

    /** The cap of {@code profile} with {@code reserveBytes} left to the OS, measuring this process's RSS. */
    public static MemoryCap forProfile(DeviceProfile profile, long reserveBytes) {
        return new MemoryCap(profile.id(), profile.memoryBytes(), reserveBytes, () -> Rss.current().orElse(-1));
    }

    /** The device whose RAM caps this process. */
    public String device() {
        return device;
    }

    /** The device's RAM. */
    public long ramBytes() {
        return ramBytes;
    }

    /** What is left to the OS and other processes. */
    public long reserveBytes() {
        return reserveBytes;
    }

    /** What this process may use: RAM minus the reserve. */
    public long budgetBytes() {
        return ramBytes - reserveBytes;
    }

    /** This process's RSS now, -1 when unknown. */
    public long currentRss() {
        return rss.getAsLong();
    }

    /** "raspberry-pi-4's 4096 MiB RAM minus a 512 MiB OS reserve = 3584 MiB". */
    public String describe() {
        return device + "'s " + mib(ramBytes) + " RAM minus a " + mib(reserveBytes) + " OS reserve = " + mib(budgetBytes());
    }

    /**
     * Refuses {@code model} when the RSS now plus its estimated session memory would exceed the budget.
     *
     * @return the RSS before loading (-1 when unknown), to pass to {@link #checkLoaded}
     * @throws MemoryCapExceededException naming the estimate, the RSS and the budget
     */
    public long checkBeforeLoad(OnnxModel model) {
        long before = rss.getAsLong();
        ModelMemoryEstimate est = ModelMemoryEstimate.of(model);
        long expected = Math.max(0, before) + est.estimateBytes();
        if (expected > budgetBytes()) {
            throw new MemoryCapExceededException("memory cap: " + model.origin() + " refused before loading: it needs "
                    + est.describe() + (before >= 0 ? " on top of this process's measured RSS of " + mib(before)
                    + " = " + mib(expected) : " (RSS unknown here)") + ", above " + describe(), expected, budgetBytes(), false);
        }
        return before;
    }

    /**
     * Refuses a model that has just been loaded when the measured RSS exceeds the budget.
     *
     * @param rssBefore the RSS before loading ({@link #checkBeforeLoad}'s result), -1 when unknown
     * @throws MemoryCapExceededException naming the measured RSS, its growth and the budget
     */
    public void checkLoaded(OnnxModel model, long rssBefore) {
        long after = rss.getAsLong();
        if (after > budgetBytes()) {
            throw new MemoryCapExceededException("memory cap: " + model.origin() + " refused after loading: measured RSS "
                    + mib(after) + (rssBefore >= 0 ? " (loading grew it by " + mib(after - rssBefore) + ")" : "")
                    + " exceeds " + describe(), after, budgetBytes(), true);
        }
    }

    /** A violation message when {@code rssBytes} (measured) exceeds the budget; empty when it fits or is unknown. */
    public Optional<String> violation(long rssBytes) {
        if (rssBytes < 0 || rssBytes <= budgetBytes()) {
            return Optional.empty();
        }
        return Optional.of("emulation violation: measured RSS " + mib(rssBytes) + " exceeds " + describe());
    }

    /** {@code bytes} in MiB, e.g. "41.5 MiB" or "4096 MiB". */
    public static String mib(long bytes) {
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    @Override
    public String toString() {
        return "MemoryCap[" + describe() + "]";
    }
}
