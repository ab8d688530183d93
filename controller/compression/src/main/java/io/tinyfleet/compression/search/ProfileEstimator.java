package io.tinyfleet.compression.search;

import io.tinyfleet.runtime.hw.HardwareProbe;
import io.tinyfleet.runtime.profile.DeviceProfile;

/**
 * Rough estimates of latency and energy per inference on a device profile from the latency
 * measured on this machine. They are labelled estimated everywhere until a device measures them.
 *
 * <p>Method (documented, deliberately simple):
 * <pre>
 *   estimated latency = local latency × (host threads × host MHz) / (min(cores, intraOpThreads) × profile MHz)
 *   estimated energy  = profile loadedWatts × estimated latency      (W × ms = mJ)
 * </pre>
 * It assumes work scales with clock and thread count alone; it ignores SIMD width, caches, memory
 * bandwidth, imperfect thread scaling and idle power, so treat it as a factor-of-two guide.
 *
 * @param hostThreads intra-op threads the local latency was measured with
 * @param hostMhz     clock of this machine's cores in MHz
 * @param hostSource  where {@code hostMhz} came from
 */
public record ProfileEstimator(int hostThreads, double hostMhz, String hostSource) {

    /** One sentence saying how estimates are made, for reports. */
    public static final String METHOD = "estimated latency = measured local latency x (host threads x host MHz)"
            + " / (min(profile cores, intraOpThreads) x profile MHz); estimated energy = profile loadedWatts x"
            + " estimated latency. A rough estimate: it ignores SIMD width, caches, memory bandwidth and thread"
            + " scaling.";

    /** Checks the figures. */
    public ProfileEstimator {
        if (hostThreads < 1) {
            throw new IllegalArgumentException("host threads must be >= 1, got " + hostThreads);
        }
        if (!(hostMhz > 0)) {
            throw new IllegalArgumentException("host clock must be > 0 MHz, got " + hostMhz);
        }
    }

    /**
     * This machine as measured with {@code threads} threads, its clock read from the hardware probe
     * (maximum frequency from sysfs, else the current {@code cpu MHz} of /proc/cpuinfo).
     *
     * @throws IllegalStateException when the clock cannot be read
     */
    public static ProfileEstimator forHost(int threads) {
        long hz = HardwareProbe.forHost().inventory().maxFrequencyHz();
        if (hz > 0) {
            return new ProfileEstimator(threads, hz / 1e6, "hardware probe of this machine");
        }
        throw new IllegalStateException("cannot read this machine's CPU clock: no device estimates possible");
    }

    /**
     * An estimate for one profile.
     *
     * @param latencyMs estimated latency of one inference on the device
     * @param energyMj  estimated energy of one inference in millijoules
     * @param ratio     device time / local time
     */
    public record Estimate(double latencyMs, double energyMj, double ratio) {
    }

    /** Device time over local time for {@code profile}. */
    public double ratio(DeviceProfile profile) {
        int threads = Math.min(profile.cpu().cores(), profile.onnxruntime().intraOpThreads());
        return (hostThreads * hostMhz) / (threads * (double) profile.cpu().clockMhz());
    }

    /** Estimates latency and energy on {@code profile} from {@code localLatencyMs}. */
    public Estimate estimate(DeviceProfile profile, double localLatencyMs) {
        double r = ratio(profile);
        double latency = localLatencyMs * r;
        return new Estimate(latency, profile.power().loadedWatts() * latency, r);
    }
}
