package io.tinyfleet.runtime.sensors;

/**
 * Exact energy arithmetic on power traces: the trapezoidal rule for instantaneous power samples,
 * and differences of cumulative energy counters that wrap around (RAPL's {@code energy_uj} restarts
 * from 0 after {@code max_energy_range_uj}).
 */
public final class Energy {

    private Energy() {
    }

    /**
     * Energy between two readings of a cumulative counter.
     *
     * @param previous earlier reading (J)
     * @param current  later reading (J)
     * @param wrap     value at which the counter restarts from 0 (J); 0 if it never wraps
     * @return {@code current - previous}, or {@code wrap - previous + current} after one wrap
     * @throws IllegalStateException if the counter went backwards and has no known range (a reset
     *                               cannot be told apart from a wrap, so no number is made up)
     */
    public static double counterDelta(double previous, double current, double wrap) {
        if (current >= previous) {
            return current - previous;
        }
        if (wrap > 0 && previous <= wrap) {
            return wrap - previous + current;
        }
        throw new IllegalStateException("energy counter went backwards (" + previous + " J -> " + current
                + " J) and has no known wrap-around range: the counter was reset, the energy is unknown");
    }

    /**
     * Trapezoidal integral of a piecewise-linear power curve through {@code (t[i], watts[i])}
     * over {@code [from, to]}, interpolating linearly at the window edges.
     *
     * @param seconds sample times in seconds, strictly increasing
     * @param watts   power at each time
     * @param from    window start, within the samples
     * @param to      window end, within the samples, &ge; from
     * @return joules
     */
    public static double trapezoid(double[] seconds, double[] watts, double from, double to) {
        double joules = 0;
        for (int i = 1; i < seconds.length; i++) {
            double a = Math.max(from, seconds[i - 1]);
            double b = Math.min(to, seconds[i]);
            if (b <= a) {
                continue;
            }
            double pa = interpolate(seconds[i - 1], watts[i - 1], seconds[i], watts[i], a);
            double pb = interpolate(seconds[i - 1], watts[i - 1], seconds[i], watts[i], b);
            joules += (b - a) * (pa + pb) / 2;
        }
        return joules;
    }

    private static double interpolate(double t0, double p0, double t1, double p1, double t) {
        if (t == t0) {
            return p0;
        }
        if (t == t1) {
            return p1;
        }
        return p0 + (p1 - p0) * (t - t0) / (t1 - t0);
    }
}
