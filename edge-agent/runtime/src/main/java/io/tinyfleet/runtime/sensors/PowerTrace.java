package io.tinyfleet.runtime.sensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * Timestamped samples of one {@link PowerMeter}, immutable, from which the energy over the
 * window is computed exactly: the trapezoidal rule for {@link PowerMeter.Kind#INSTANT_WATTS}
 * samples, counter differences (with wrap-around) for {@link PowerMeter.Kind#CUMULATIVE_JOULES}.
 */
public final class PowerTrace {

    private final String source;
    private final PowerMeter.Kind kind;
    private final double wrapJoules;
    private final long[] nanos;
    private final double[] values;
    private final int failedReads;
    private final String lastFailure;

    /**
     * @param source      {@code measured:<sensor>} or {@code estimated:profile}
     * @param kind        what the values are
     * @param wrapJoules  counter range for cumulative values (0: never wraps)
     * @param nanos       sample times ({@link System#nanoTime()} or any clock in ns), strictly increasing
     * @param values      watts or joules, one per time
     * @param failedReads reads that failed and left no sample
     * @param lastFailure reason of the last failed read, or empty
     */
    public PowerTrace(String source, PowerMeter.Kind kind, double wrapJoules, long[] nanos, double[] values,
                      int failedReads, String lastFailure) {
        this.source = Objects.requireNonNull(source, "source");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.wrapJoules = wrapJoules;
        if (nanos.length != values.length) {
            throw new IllegalArgumentException("power trace: " + nanos.length + " times but " + values.length + " values");
        }
        for (int i = 1; i < nanos.length; i++) {
            if (nanos[i] <= nanos[i - 1]) {
                throw new IllegalArgumentException("power trace: sample times must increase, sample " + i
                        + " at " + nanos[i] + " ns is not after " + nanos[i - 1] + " ns");
            }
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("power trace: sample " + i + " is not a finite number: " + values[i]);
            }
        }
        this.nanos = nanos.clone();
        this.values = values.clone();
        this.failedReads = failedReads;
        this.lastFailure = lastFailure == null ? "" : lastFailure;
    }

    /** A trace of instantaneous power samples (W) with no failed reads. */
    public static PowerTrace ofWatts(String source, long[] nanos, double[] watts) {
        return new PowerTrace(source, PowerMeter.Kind.INSTANT_WATTS, 0, nanos, watts, 0, "");
    }

    /** A trace of cumulative energy counter readings (J) that wrap at {@code wrapJoules} (0: never). */
    public static PowerTrace ofCounter(String source, double wrapJoules, long[] nanos, double[] joules) {
        return new PowerTrace(source, PowerMeter.Kind.CUMULATIVE_JOULES, wrapJoules, nanos, joules, 0, "");
    }

    /** {@code measured:<sensor>} or {@code estimated:profile}. */
    public String source() {
        return source;
    }

    /** What the values are. */
    public PowerMeter.Kind kind() {
        return kind;
    }

    /** Number of samples. */
    public int size() {
        return nanos.length;
    }

    /** Sample times in ns (a copy). */
    public long[] nanos() {
        return nanos.clone();
    }

    /** Sample values in W or J (a copy). */
    public double[] values() {
        return values.clone();
    }

    /** Reads that failed during sampling and left no sample. */
    public int failedReads() {
        return failedReads;
    }

    /** Why the last failed read failed, or empty. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Energy and average power over the whole trace (first to last sample). */
    public EnergyResult energy() {
        requireTwo();
        return energy(nanos[0], nanos[nanos.length - 1]);
    }

    /**
     * Energy and average power over {@code [fromNanos, toNanos]}, which must lie within the trace.
     * Instantaneous samples are interpolated linearly at the edges; counters are taken as constant
     * power within each sampling interval.
     *
     * @throws IllegalStateException    if the trace has fewer than two samples
     * @throws IllegalArgumentException if the window is empty or outside the trace
     */
    public EnergyResult energy(long fromNanos, long toNanos) {
        requireTwo();
        if (toNanos <= fromNanos) {
            throw new IllegalArgumentException("power trace: window end " + toNanos + " ns is not after its start "
                    + fromNanos + " ns");
        }
        if (fromNanos < nanos[0] || toNanos > nanos[nanos.length - 1]) {
            throw new IllegalArgumentException("power trace: window [" + fromNanos + ", " + toNanos
                    + "] ns is outside the samples [" + nanos[0] + ", " + nanos[nanos.length - 1] + "] ns");
        }
        double joules;
        if (kind == PowerMeter.Kind.INSTANT_WATTS) {
            double[] seconds = new double[nanos.length];
            for (int i = 0; i < nanos.length; i++) {
                seconds[i] = (nanos[i] - nanos[0]) / 1e9;
            }
            joules = Energy.trapezoid(seconds, values, (fromNanos - nanos[0]) / 1e9, (toNanos - nanos[0]) / 1e9);
        } else {
            joules = 0;
            for (int i = 1; i < nanos.length; i++) {
                long a = Math.max(fromNanos, nanos[i - 1]);
                long b = Math.min(toNanos, nanos[i]);
                if (b <= a) {
                    continue;
                }
                double delta = Energy.counterDelta(values[i - 1], values[i], wrapJoules);
                long span = nanos[i] - nanos[i - 1];
                joules += (a == nanos[i - 1] && b == nanos[i]) ? delta : delta * (b - a) / span;
            }
        }
        double seconds = (toNanos - fromNanos) / 1e9;
        int inWindow = 0;
        for (long t : nanos) {
            if (t >= fromNanos && t <= toNanos) {
                inWindow++;
            }
        }
        return new EnergyResult(joules, seconds, joules / seconds, source, inWindow);
    }

    private void requireTwo() {
        if (nanos.length < 2) {
            throw new IllegalStateException("power trace from " + source + " has " + nanos.length
                    + " sample(s); energy needs at least two" + (lastFailure.isEmpty() ? "" : " (last read failed: "
                    + lastFailure + ")"));
        }
    }

    @Override
    public String toString() {
        return "PowerTrace[" + source + ", " + kind + ", " + nanos.length + " samples, failed " + failedReads
                + ", values " + Arrays.toString(values.length > 6 ? Arrays.copyOf(values, 6) : values) + "]";
    }
}
