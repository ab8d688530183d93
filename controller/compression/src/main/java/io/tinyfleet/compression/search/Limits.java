package io.tinyfleet.compression.search;

/**
 * What the user asks of every device beyond its hardware: budgets and the accuracy floor, and how
 * much of the device's RAM and storage a model may take.
 *
 * @param memoryShare           share of the profile's RAM the model may add (0, 1]
 * @param storageShare          share of the profile's storage the model file may take (0, 1]
 * @param maxLatencyMs          latency budget per inference on the device, or null for none
 * @param maxEnergyMj           energy budget per inference on the device in mJ, or null for none
 * @param maxAccuracyDropPoints accuracy floor as percentage points below the baseline (e.g. 1.0)
 */
public record Limits(double memoryShare, double storageShare, Double maxLatencyMs, Double maxEnergyMj,
                     double maxAccuracyDropPoints) {

    /** Half the RAM and storage, no latency or energy budget, at most one point of accuracy lost. */
    public static final Limits DEFAULT = new Limits(0.5, 0.5, null, null, 1.0);

    /** Checks ranges, naming the bad limit. */
    public Limits {
        if (!(memoryShare > 0 && memoryShare <= 1)) {
            throw new IllegalArgumentException("memory share must be in (0, 1], got " + memoryShare);
        }
        if (!(storageShare > 0 && storageShare <= 1)) {
            throw new IllegalArgumentException("storage share must be in (0, 1], got " + storageShare);
        }
        if (maxLatencyMs != null && !(maxLatencyMs > 0)) {
            throw new IllegalArgumentException("latency budget must be > 0 ms, got " + maxLatencyMs);
        }
        if (maxEnergyMj != null && !(maxEnergyMj > 0)) {
            throw new IllegalArgumentException("energy budget must be > 0 mJ, got " + maxEnergyMj);
        }
        if (!(maxAccuracyDropPoints >= 0 && maxAccuracyDropPoints <= 100)) {
            throw new IllegalArgumentException("accuracy drop must be in [0, 100] points, got " + maxAccuracyDropPoints);
        }
    }
}
