package io.tinyfleet.runtime.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.RuntimeOptions;
import io.tinyfleet.runtime.session.ModelRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The one measuring harness of TinyFleet, used unchanged by the controller and by the agent on a
 * device: loads a model into ONNX Runtime and measures top-1 accuracy (when labelled data is given),
 * latency percentiles at batch 1 and at batch B after warm-up, throughput, load time and the
 * process's resident memory, optionally with ORT's per-node profiler. Session settings a model
 * records in its metadata (see {@link ModelRuntime#sessionConfig}) are applied and listed in the notes.
 *
 * <p>Usage: {@code Evaluator.evaluate(model, EvalOptions.on(LabeledImages.load("fashion-mnist",
 * Split.TEST), "fashion-mnist").withLimit(1000))}.
 */
public final class Evaluator {

    private Evaluator() {
    }

    /**
     * Measures {@code model}.
     *
     * @throws IllegalArgumentException with one line naming the problem: custom-domain ops, a model
     *                                  ONNX Runtime refuses, an input shape the data does not fit...
     */
    public static EvalReport evaluate(OnnxModel model, EvalOptions o) {
        try {
            return run(model, o);
        } catch (OrtException e) {
            throw new IllegalArgumentException("evaluating " + model.origin() + " failed: " + ModelRuntime.firstLine(e), e);
        }
    }

    private static EvalReport run(OnnxModel model, EvalOptions o) throws OrtException {
        OptionalLong rssBefore = Rss.current();
        try (ModelRuntime rt = ModelRuntime.open(model, o.runtime()); InputFeed feed = InputFeed.plan(rt, o)) {
            OptionalLong rssLoaded = Rss.current();
            List<String> notes = new ArrayList<>(feed.notes());
            // ModelRuntime applies what the model asks for (int4: MatMulAddFusion off), so it is measured as it runs
            ModelRuntime.sessionConfig(model).forEach((k, v) ->
                    notes.add("session setting from the model's metadata: " + k + "=" + v));
            int small = feed.batchable() ? 1 : feed.fixedBatch();
            int big = feed.batchable() ? o.batch() : feed.fixedBatch();
            if (!feed.batchable() && o.batch() != big) {
                notes.add("batch " + o.batch() + " requested but the model's batch is fixed at " + big);
            }
            int samples = o.data() == null ? 0
                    : (o.limit() == 0 ? o.data().count() : Math.min(o.limit(), o.data().count()));
            int[] order = new int[Math.max(samples, big)];
            for (int i = 0; i < order.length; i++) {
                order[i] = o.data() == null ? 0 : i % Math.max(o.data().count(), 1);
            }
            if (o.data() != null && o.data().count() == 0) {
                throw new IllegalArgumentException(o.dataName() + " holds no samples");
            }

            // Batch 1 (or the fixed batch): first run, warm-up, timed runs on one fixed input.
            double firstRunMs;
            double[] lat1 = new double[o.latencyRuns()];
            Map<String, OnnxTensor> in1 = inputs(feed, o, order, small);
            try {
                long t0 = System.nanoTime();
                runOnce(rt, in1);
                firstRunMs = (System.nanoTime() - t0) / 1e6;
                for (int i = 1; i < o.warmupRuns(); i++) {
                    runOnce(rt, in1);
                }
                for (int i = 0; i < lat1.length; i++) {
                    long t = System.nanoTime();
                    runOnce(rt, in1);
                    lat1[i] = (System.nanoTime() - t) / 1e6;
                }
            } finally {
                in1.values().forEach(OnnxTensor::close);
            }
            LatencyStats stats1 = LatencyStats.of(lat1);

            LatencyStats statsB = stats1;
            if (big != small) {
                double[] latB = new double[o.latencyRuns()];
                Map<String, OnnxTensor> inB = inputs(feed, o, order, big);
                try {
                    for (int i = 0; i < Math.min(3, o.warmupRuns()); i++) {
                        runOnce(rt, inB);
                    }
                    for (int i = 0; i < latB.length; i++) {
                        long t = System.nanoTime();
                        runOnce(rt, inB);
                        latB[i] = (System.nanoTime() - t) / 1e6;
                    }
                } finally {
                    inB.values().forEach(OnnxTensor::close);
                }
                statsB = LatencyStats.of(latB);
            }

            Double accuracy = null;
            Integer correct = null;
            double throughput = big / (statsB.mean() / 1000.0);
            if (o.data() != null) {
                long t0 = System.nanoTime();
                int hits = countCorrect(rt, feed, o, order, samples, big, notes);
                double sec = (System.nanoTime() - t0) / 1e9;
                if (hits >= 0) {
                    throughput = samples / sec;
                    correct = hits;
                    accuracy = samples == 0 ? null : hits / (double) samples;
                } else {
                    samples = 0;
                }
            }
            OptionalLong rssRun = Rss.current();
            OpProfile profile = o.profile() ? profile(model, o, feed, order, big) : null;
            OptionalLong peak = Rss.peak();
            return new EvalReport(model.origin(), model.sha256(), model.sizeBytes(), o.dataName(),
                    o.data() == null ? null : o.data().head(samples).sha256(), samples, accuracy, correct, big,
                    stats1, statsB, throughput, rt.loadMillis(), firstRunMs, box(peak), box(rssBefore),
                    diff(rssLoaded, rssBefore), diff(rssRun, rssLoaded), rt.providerNames(),
                    o.runtime().intraOpThreads(), o.runtime().optLevel().name(), feed.shapes(big),
                    List.copyOf(notes), profile);
        }
    }

    /**
     * Top-1 accuracy of {@code model} on all of {@code data}, and nothing else: no warm-up, no
     * latency runs. For loops that score a model often (training epochs, health checks), with the
     * same input handling and scoring as {@link #evaluate}.
     *
     * @throws IllegalArgumentException when the data does not fit the model's input, or the first
     *                                  output is not a {@code [N, classes]} float tensor
     */
    public static double accuracy(OnnxModel model, LabeledImages data, Preprocessing pre, int threads) {
        try (ModelRuntime rt = ModelRuntime.open(model, RuntimeOptions.defaults().withThreads(threads))) {
            return accuracy(rt, data, pre);
        }
    }

    /**
     * Like {@link #accuracy(OnnxModel, LabeledImages, Preprocessing, int)} on a runtime that is
     * already open (a health check scores the session it has just loaded, not a second copy).
     */
    public static double accuracy(ModelRuntime rt, LabeledImages data, Preprocessing pre) {
        EvalOptions o = EvalOptions.on(data, "data").withPreprocessing(pre).withBatch(256);
        try (InputFeed feed = InputFeed.plan(rt, o)) {
            int big = feed.batchable() ? o.batch() : feed.fixedBatch();
            int[] order = new int[Math.max(data.count(), big)];
            for (int i = 0; i < order.length; i++) {
                order[i] = i % Math.max(data.count(), 1);
            }
            List<String> why = new ArrayList<>();
            int hits = countCorrect(rt, feed, o, order, data.count(), big, why);
            if (hits < 0) {
                throw new IllegalArgumentException(why.get(why.size() - 1));
            }
            return data.count() == 0 ? Double.NaN : hits / (double) data.count();
        } catch (OrtException e) {
            throw new IllegalArgumentException("scoring failed: " + ModelRuntime.firstLine(e), e);
        }
    }

    /** Index of the largest of the {@code k} scores starting at {@code off} (the first on ties). */
    public static int argmax(FloatBuffer scores, int off, int k) {
        int best = 0;
        float bv = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            float x = scores.get(off + c);
            if (x > bv) {
                bv = x;
                best = c;
            }
        }
        return best;
    }

    /** Correct top-1 predictions over the first {@code samples} of {@code order}; -1 (reason in notes) when unscorable. */
    private static int countCorrect(ModelRuntime rt, InputFeed feed, EvalOptions o, int[] order, int samples, int big,
                                    List<String> notes) throws OrtException {
        int[] hits = new int[1];
        for (int from = 0; from < samples; from += big) {
            int n = feed.batchable() ? Math.min(big, samples - from) : big;
            int real = Math.min(n, samples - from);
            Map<String, OnnxTensor> in = feed.images(order, from, n);
            try (OrtSession.Result r = rt.run(in)) {
                String why = score(r, o, order, from, n, real, hits);
                if (why != null) {
                    notes.add(why);
                    return -1;
                }
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
        }
        return hits[0];
    }

    private static Map<String, OnnxTensor> inputs(InputFeed feed, EvalOptions o, int[] order, int n) throws OrtException {
        if (o.data() == null) {
            return feed.random(n);
        }
        int[] first = new int[n];
        for (int i = 0; i < n; i++) {
            first[i] = order.length == 0 ? 0 : order[i % order.length];
        }
        // A copy, not the shared buffer: the timed input stays valid while other batches are built.
        Map<String, OnnxTensor> view = feed.images(first, 0, n);
        try {
            Map.Entry<String, OnnxTensor> e = view.entrySet().iterator().next();
            FloatBuffer src = e.getValue().getFloatBuffer();
            return Map.of(e.getKey(), OnnxTensor.createTensor(io.tinyfleet.runtime.session.Ort.env(), src,
                    e.getValue().getInfo().getShape()));
        } finally {
            view.values().forEach(OnnxTensor::close);
        }
    }

    private static void runOnce(ModelRuntime rt, Map<String, OnnxTensor> in) {
        try (OrtSession.Result r = rt.run(in)) {
            if (r.size() == 0) {
                throw new IllegalStateException("model produced no outputs");
            }
        }
    }

    /** Adds the correct predictions of one batch to hits[0]; returns why scoring is impossible, or null. */
    private static String score(OrtSession.Result r, EvalOptions o, int[] order, int from, int n, int real, int[] hits)
            throws OrtException {
        OnnxValue v = r.get(0);
        String name = r.iterator().next().getKey();
        if (!(v instanceof OnnxTensor t) || ((TensorInfo) t.getInfo()).type != OnnxJavaType.FLOAT) {
            return "first output '" + name + "' is not a float tensor of class scores: accuracy not computed";
        }
        long[] shape = t.getInfo().getShape();
        long total = t.getInfo().getNumElements();
        if (shape.length < 1 || shape[0] != n || total % n != 0 || total / n < 2) {
            return "first output '" + name + "' has shape " + InputFeed.shape(shape) + ", not [" + n
                    + ",classes]: accuracy not computed";
        }
        int k = (int) (total / n);
        FloatBuffer fb = t.getFloatBuffer();
        for (int s = 0; s < real; s++) {
            if (argmax(fb, s * k, k) == o.data().label(order[from + s])) {
                hits[0]++;
            }
        }
        return null;
    }

    private static OpProfile profile(OnnxModel model, EvalOptions o, InputFeed feed, int[] order, int n)
            throws OrtException {
        Path dir;
        try {
            dir = Files.createTempDirectory("tinyfleet-profile");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the profile: " + e.getMessage(), e);
        }
        Path trace = null;
        try (ModelRuntime rt = ModelRuntime.open(model, o.runtime().withProfiling(dir.resolve("ort")))) {
            Map<String, OnnxTensor> in = inputs(feed, o, order, n);
            try {
                for (int i = 0; i < o.warmupRuns(); i++) {
                    runOnce(rt, in);
                }
                for (int i = 0; i < o.latencyRuns(); i++) {
                    runOnce(rt, in);
                }
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
            trace = rt.endProfiling();
            return OpProfile.parse(trace, o.warmupRuns(), o.latencyRuns());
        } finally {
            try {
                if (trace != null) {
                    Files.deleteIfExists(trace);
                }
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a temp file left behind is harmless
            }
        }
    }

    private static Long box(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }

    private static Long diff(OptionalLong a, OptionalLong b) {
        return a.isPresent() && b.isPresent() ? a.getAsLong() - b.getAsLong() : null;
    }
}
