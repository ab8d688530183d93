package io.tinyfleet.runtime.sensors;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Samples one {@link PowerMeter} at a fixed rate in a daemon thread while a workload runs, and
 * returns the {@link PowerTrace}. A sample is taken synchronously at {@link #start()} and at
 * {@link #stop()}, so the trace covers exactly the window between them:
 *
 * <pre>{@code
 * PowerSampler s = new PowerSampler(meter, Duration.ofMillis(100));
 * s.start();
 * runInferences(n);
 * EnergyResult e = s.stop().energy();
 * double jPerInference = e.joulesPerInference(n);   // labelled e.source()
 * }</pre>
 *
 * One sampler measures one window; start a new sampler for the next.
 */
public final class PowerSampler implements AutoCloseable {

    private final PowerMeter meter;
    private final Duration period;
    private final LongSupplier clock;
    private final TraceBuilder trace;
    private ScheduledExecutorService executor;
    private final java.util.concurrent.atomic.AtomicLong threadCpuNanos = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong threadSamples = new java.util.concurrent.atomic.AtomicLong();
    private boolean started;
    private PowerTrace result;

    /**
     * @param meter  what to read
     * @param period time between samples (&ge; 1 ms)
     */
    public PowerSampler(PowerMeter meter, Duration period) {
        this(meter, period, System::nanoTime);
    }

    PowerSampler(PowerMeter meter, Duration period, LongSupplier clock) {
        this.meter = Objects.requireNonNull(meter, "meter");
        if (period.toMillis() < 1) {
            throw new IllegalArgumentException("power sampler: period must be at least 1 ms, got " + period);
        }
        this.period = period;
        this.clock = clock;
        this.trace = new TraceBuilder(meter);
    }

    /**
     * Runs {@code workload} between {@link #start()} and {@link #stop()} and returns the energy of
     * that window.
     *
     * @param workload runs the inferences and returns how many ran (used by the caller for J/inference)
     */
    public static Measured measure(PowerMeter meter, Duration period, Callable<Long> workload) throws Exception {
        try (PowerSampler s = new PowerSampler(meter, period)) {
            s.start();
            long n = workload.call();
            PowerTrace t = s.stop();
            return new Measured(t, t.energy(), n, s.samplingCpuNanos());
        }
    }

    /**
     * The outcome of {@link #measure}.
     *
     * @param trace      the samples
     * @param energy     energy and average power over the window
     * @param inferences       what the workload returned
     * @param samplingCpuNanos CPU time the sampling thread spent reading the meter
     */
    public record Measured(PowerTrace trace, EnergyResult energy, long inferences, long samplingCpuNanos) {
        /** Joules per inference. */
        public double joulesPerInference() {
            return energy.joulesPerInference(inferences);
        }
    }

    /** Takes the first sample and starts sampling in a daemon thread. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("power sampler already started; use a new one per window");
        }
        started = true;
        sample();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tinyfleet-power-sampler");
            t.setDaemon(true);
            return t;
        });
        long ns = period.toNanos();
        executor.scheduleAtFixedRate(this::sampleInThread, ns, ns, TimeUnit.NANOSECONDS);
    }

    /** Stops sampling, takes the last sample and returns the trace. */
    public synchronized PowerTrace stop() {
        if (!started) {
            throw new IllegalStateException("power sampler was not started");
        }
        if (result != null) {
            return result;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        sample();
        result = trace.build();
        return result;
    }

    /** Stops the sampling thread if it still runs. */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private void sample() {
        trace.sample(clock);
    }

    private void sampleInThread() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.isCurrentThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : -1;
        sample();
        if (before >= 0) {
            threadCpuNanos.addAndGet(mx.getCurrentThreadCpuTime() - before);
            threadSamples.incrementAndGet();
        }
    }

    /**
     * CPU time the sampling thread spent reading the meter so far (ns), so a benchmark can say how
     * much the measurement itself cost; 0 where the JVM cannot measure thread CPU time.
     */
    public long samplingCpuNanos() {
        return threadCpuNanos.get();
    }

    /** Samples taken by the sampling thread (those counted in {@link #samplingCpuNanos()}). */
    public long threadSamples() {
        return threadSamples.get();
    }

    /** Accumulates samples from the sampling thread; reads and appends under one lock so times stay ordered. */
    static final class TraceBuilder {
        private final PowerMeter meter;
        private long[] nanos = new long[64];
        private double[] values = new double[64];
        private int size;
        private int failed;
        private String lastFailure = "";

        TraceBuilder(PowerMeter meter) {
            this.meter = meter;
        }

        synchronized void sample(LongSupplier clock) {
            double v;
            try {
                v = meter.read();
            } catch (SensorReadException | RuntimeException e) {
                failed++;
                lastFailure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                return;
            }
            long t = clock.getAsLong();
            if (size > 0 && t <= nanos[size - 1]) {
                return; // two samples within the clock's resolution: keep the first
            }
            if (!Double.isFinite(v)) {
                failed++;
                lastFailure = meter.sensor() + " returned " + v;
                return;
            }
            if (size == nanos.length) {
                nanos = java.util.Arrays.copyOf(nanos, size * 2);
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            nanos[size] = t;
            values[size] = v;
            size++;
        }

        synchronized PowerTrace build() {
            return new PowerTrace(meter.source(), meter.kind(), meter.wrapJoules(),
                    java.util.Arrays.copyOf(nanos, size), java.util.Arrays.copyOf(values, size), failed, lastFailure);
        }
    }
}
