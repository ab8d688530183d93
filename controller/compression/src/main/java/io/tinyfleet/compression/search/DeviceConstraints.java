package io.tinyfleet.compression.search;

import io.tinyfleet.runtime.profile.DeviceProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Hard limits a candidate must meet to run on one kind of device: RAM, storage, latency and energy
 * per inference, and an accuracy floor. A figure exactly at a limit meets it.
 *
 * @param profile         device profile id
 * @param maxMemoryBytes  memory the model may add to the process
 * @param maxStorageBytes file size allowed
 * @param maxLatencyMs    estimated device latency allowed, or null
 * @param maxEnergyMj     estimated device energy per inference allowed, or null
 * @param minAccuracy     accuracy floor in [0, 1], or null
 */
public record DeviceConstraints(String profile, long maxMemoryBytes, long maxStorageBytes, Double maxLatencyMs,
                                Double maxEnergyMj, Double minAccuracy) {

    /** Constraint names as they appear in {@link Verdict#violated()}. */
    public static final String MEMORY = "memory";
    /** Storage constraint name. */
    public static final String STORAGE = "storage";
    /** Latency constraint name. */
    public static final String LATENCY = "latency";
    /** Energy constraint name. */
    public static final String ENERGY = "energy";
    /** Accuracy floor name. */
    public static final String ACCURACY = "accuracy";

    /**
     * The constraints of {@code profile} under {@code limits}, the accuracy floor taken from
     * {@code baselineAccuracy} (null: no floor).
     */
    public static DeviceConstraints of(DeviceProfile profile, Limits limits, Double baselineAccuracy) {
        Double floor = baselineAccuracy == null ? null
                : Math.max(0, baselineAccuracy - limits.maxAccuracyDropPoints() / 100.0);
        return new DeviceConstraints(profile.id(), (long) Math.floor(profile.memoryBytes() * limits.memoryShare()),
                (long) Math.floor(profile.storageBytes() * limits.storageShare()), limits.maxLatencyMs(),
                limits.maxEnergyMj(), floor);
    }

    /**
     * Whether one candidate may run on the device.
     *
     * @param profile            device profile id
     * @param feasible           true when no constraint is violated
     * @param violated           names of the violated constraints ({@code memory}, {@code latency}...)
     * @param violations         one sentence per violation with the figure and the limit
     * @param unchecked          constraints that could not be checked because a figure is unknown
     * @param estimatedLatencyMs estimated latency on the device (see {@link ProfileEstimator})
     * @param estimatedEnergyMj  estimated energy per inference on the device
     */
    public record Verdict(String profile, boolean feasible, List<String> violated, List<String> violations,
                          List<String> unchecked, Double estimatedLatencyMs, Double estimatedEnergyMj) {
    }

    /** Checks {@code m} with the device estimate {@code e} (null when the latency is unknown). */
    public Verdict check(Measurement m, ProfileEstimator.Estimate e) {
        List<String> violated = new ArrayList<>();
        List<String> why = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        if (m.peakMemoryBytes() == null) {
            unchecked.add(MEMORY);
        } else if (m.peakMemoryBytes() > maxMemoryBytes) {
            violated.add(MEMORY);
            why.add(String.format(Locale.ROOT, "memory %s > limit %s", mb(m.peakMemoryBytes()), mb(maxMemoryBytes)));
        }
        if (m.fileBytes() > maxStorageBytes) {
            violated.add(STORAGE);
            why.add(String.format(Locale.ROOT, "file %s > storage limit %s", mb(m.fileBytes()), mb(maxStorageBytes)));
        }
        if (maxLatencyMs != null) {
            if (e == null) {
                unchecked.add(LATENCY);
            } else if (e.latencyMs() > maxLatencyMs) {
                violated.add(LATENCY);
                why.add(String.format(Locale.ROOT, "estimated latency %.3f ms > budget %.3f ms", e.latencyMs(),
                        maxLatencyMs));
            }
        }
        if (maxEnergyMj != null) {
            if (e == null) {
                unchecked.add(ENERGY);
            } else if (e.energyMj() > maxEnergyMj) {
                violated.add(ENERGY);
                why.add(String.format(Locale.ROOT, "estimated energy %.3f mJ > budget %.3f mJ", e.energyMj(),
                        maxEnergyMj));
            }
        }
        if (minAccuracy != null) {
            Double a = m.decidingAccuracy();
            if (a == null) {
                unchecked.add(ACCURACY);
            } else if (a < minAccuracy) {
                violated.add(ACCURACY);
                why.add(String.format(Locale.ROOT, "%saccuracy %.2f%% < floor %.2f%%",
                        m.selectionAccuracy() != null ? "selection " : "", 100 * a, 100 * minAccuracy));
            }
        }
        return new Verdict(profile, violated.isEmpty(), List.copyOf(violated), List.copyOf(why),
                List.copyOf(unchecked), e == null ? null : e.latencyMs(), e == null ? null : e.energyMj());
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }
}
