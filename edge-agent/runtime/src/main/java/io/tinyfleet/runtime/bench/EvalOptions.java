package io.tinyfleet.runtime.bench;

import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.session.RuntimeOptions;
import java.util.Objects;

/**
 * What {@link Evaluator#evaluate} measures and how.
 *
 * @param data          labelled images to classify, or null to run on deterministic random inputs
 * @param dataName      how the data is named in reports and errors ({@code fashion-mnist}, a folder...)
 * @param preprocessing pixel to float conversion
 * @param limit         evaluate the first {@code limit} samples only (0: all)
 * @param batch         batch size B for the batched latency and the accuracy pass (&ge; 1); models with
 *                      a fixed batch dimension run at that size instead, and the report says so
 * @param warmupRuns    untimed runs before measuring (&ge; 0)
 * @param latencyRuns   timed runs for each latency figure (&ge; 1)
 * @param profile       also run ONNX Runtime's profiler and aggregate time per op type and per node
 * @param seed          seed of the random inputs
 * @param runtime       threads, optimisation level, execution providers
 */
public record EvalOptions(LabeledImages data, String dataName, Preprocessing preprocessing, int limit, int batch,
                          int warmupRuns, int latencyRuns, boolean profile, long seed, RuntimeOptions runtime) {

    /** Validates the fields, naming the bad one. */
    public EvalOptions {
        Objects.requireNonNull(preprocessing, "preprocessing");
        Objects.requireNonNull(runtime, "runtime");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 = all samples), got " + limit);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (warmupRuns < 0) {
            throw new IllegalArgumentException("warm-up runs must be >= 0, got " + warmupRuns);
        }
        if (latencyRuns < 1) {
            throw new IllegalArgumentException("latency runs must be >= 1, got " + latencyRuns);
        }
        if (dataName == null) {
            dataName = data == null ? "random" : "data";
        }
    }

    /** Random inputs, batch 1, 10 warm-up and 100 timed runs, one thread, no profiling. */
    public static EvalOptions random() {
        return new EvalOptions(null, "random", Preprocessing.DEFAULT, 0, 1, 10, 100, false, 42L,
                RuntimeOptions.defaults());
    }

    /** Like {@link #random()} but classifying {@code data}, preprocessed with {@link Preprocessing#DEFAULT}. */
    public static EvalOptions on(LabeledImages data, String dataName) {
        return random().withData(data, dataName);
    }

    /** A copy with other data (null: random inputs). */
    public EvalOptions withData(LabeledImages d, String name) {
        return new EvalOptions(d, name == null ? (d == null ? "random" : "data") : name, preprocessing, limit, batch,
                warmupRuns, latencyRuns, profile, seed, runtime);
    }

    /** A copy with other preprocessing. */
    public EvalOptions withPreprocessing(Preprocessing p) {
        return new EvalOptions(data, dataName, p, limit, batch, warmupRuns, latencyRuns, profile, seed, runtime);
    }

    /** A copy evaluating at most {@code n} samples (0: all). */
    public EvalOptions withLimit(int n) {
        return new EvalOptions(data, dataName, preprocessing, n, batch, warmupRuns, latencyRuns, profile, seed, runtime);
    }

    /** A copy with batch size {@code b}. */
    public EvalOptions withBatch(int b) {
        return new EvalOptions(data, dataName, preprocessing, limit, b, warmupRuns, latencyRuns, profile, seed, runtime);
    }

    /** A copy with other warm-up and timed run counts. */
    public EvalOptions withRuns(int warmup, int timed) {
        return new EvalOptions(data, dataName, preprocessing, limit, batch, warmup, timed, profile, seed, runtime);
    }

    /** A copy that also profiles per op (or not). */
    public EvalOptions withProfile(boolean on) {
        return new EvalOptions(data, dataName, preprocessing, limit, batch, warmupRuns, latencyRuns, on, seed, runtime);
    }

    /** A copy with another seed for random inputs. */
    public EvalOptions withSeed(long s) {
        return new EvalOptions(data, dataName, preprocessing, limit, batch, warmupRuns, latencyRuns, profile, s, runtime);
    }

    /** A copy with other runtime options. */
    public EvalOptions withRuntime(RuntimeOptions r) {
        return new EvalOptions(data, dataName, preprocessing, limit, batch, warmupRuns, latencyRuns, profile, seed, r);
    }
}
