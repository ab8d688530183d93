package io.tinyfleet.runtime.bench;

import java.util.Arrays;

/**
 * Summary of repeated latency measurements, in milliseconds.
 *
 * <p>Percentiles interpolate linearly between the two nearest order statistics (Hyndman and Fan,
 * "Sample quantiles in statistical packages", 1996, definition 7; the default of NumPy and R):
 * for sorted {@code x[0..n-1]} and {@code q} in [0, 1], {@code h = (n-1) q} and the percentile is
 * {@code x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])}.
 *
 * @param runs number of measurements
 * @param p50  median
 * @param p95  95th percentile
 * @param p99  99th percentile
 * @param mean arithmetic mean
 * @param min  fastest
 * @param max  slowest
 */
public record LatencyStats(int runs, double p50, double p95, double p99, double mean, double min, double max) {

    /** Summarises {@code samplesMs} (at least one). */
    public static LatencyStats of(double[] samplesMs) {
        if (samplesMs.length == 0) {
            throw new IllegalArgumentException("no latency samples");
        }
        double[] s = samplesMs.clone();
        Arrays.sort(s);
        double sum = 0;
        for (double v : s) {
            sum += v;
        }
        return new LatencyStats(s.length, percentileOfSorted(s, 0.50), percentileOfSorted(s, 0.95),
                percentileOfSorted(s, 0.99), sum / s.length, s[0], s[s.length - 1]);
    }

    /** The {@code q}-quantile ({@code 0 <= q <= 1}) of sorted values (definition 7, see above). */
    public static double percentileOfSorted(double[] sorted, double q) {
        if (q < 0 || q > 1) {
            throw new IllegalArgumentException("quantile must be within [0, 1], got " + q);
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
