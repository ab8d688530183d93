package io.tinyfleet.compression.train;

import io.tinyfleet.runtime.bench.Evaluator;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.session.Ort;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a forward ONNX model on labelled images: emits its training graph
 * ({@link GradientBuilder}), runs it in ONNX Runtime one batch at a time with the weights as
 * zero-copy direct-buffer inputs and the gradients written into pinned direct buffers, and
 * updates the weights in Java ({@link Optimizer}). Masks keep pruned weights at zero, ties keep
 * clustered weights shared (only the shared values train), a teacher turns the loss into
 * distillation. Deterministic for a given seed and thread count.
 *
 * <pre>{@code
 * TrainResult r = Trainer.train(model, TrainConfig.builder().epochs(3).seed(1).build(),
 *         train, val, Preprocessing.DEFAULT);
 * r.trained().save(Path.of("model.onnx"));
 * }</pre>
 */
public final class Trainer {

    private Trainer() {
    }

    /**
     * Trains {@code forward} and returns the trained inference model.
     *
     * @param val validation images for per-epoch accuracy, or null; with {@code patience > 0} they
     *            also pick the kept weights (best epoch) and stop early, otherwise the last epoch is kept
     */
    public static TrainResult train(OnnxModel forward, TrainConfig cfg, LabeledImages train, LabeledImages val,
                                    Preprocessing pre) {
        return train(forward, cfg, train, val, pre, System.err);
    }

    /** As {@link #train(OnnxModel, TrainConfig, LabeledImages, LabeledImages, Preprocessing)}, progress to {@code err}. */
    public static TrainResult train(OnnxModel forward, TrainConfig cfg, LabeledImages train, LabeledImages val,
                                    Preprocessing pre, PrintStream err) {
        try {
            return new Run(forward, cfg, train, val, pre, err).run();
        } catch (OrtException e) {
            throw new IllegalStateException("training failed in ONNX Runtime: " + e.getMessage(), e);
        }
    }

    static FloatBuffer direct(long n) {
        return ByteBuffer.allocateDirect(Math.toIntExact(n * 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** One training run: owns the session and all buffers. */
    private static final class Run {
        final OnnxModel forward;
        final TrainConfig cfg;
        final LabeledImages train;
        final LabeledImages val;
        final Preprocessing pre;
        final PrintStream err;
        final TrainingGraph tg;
        final int batch;
        final int classes;
        final Map<String, FloatBuffer> params = new LinkedHashMap<>();
        final Map<String, FloatBuffer> grads = new LinkedHashMap<>();
        final Map<String, float[]> running = new HashMap<>();
        final Map<String, FloatBuffer> stats = new HashMap<>();
        final Map<String, float[]> centroids = new HashMap<>();
        final Map<String, float[]> centroidGrads = new HashMap<>();
        final List<AutoCloseable> closeables = new ArrayList<>();

        Run(OnnxModel forward, TrainConfig cfg, LabeledImages train, LabeledImages val, Preprocessing pre,
            PrintStream err) {
            this.forward = forward;
            this.cfg = cfg;
            this.train = train;
            this.val = val;
            this.pre = pre;
            this.err = err;
            this.tg = GradientBuilder.build(forward, cfg.trainable(), cfg.loss(), cfg.batch(), cfg.seed());
            this.batch = cfg.batch();
            this.classes = (int) tg.logitsShape()[1];
            long inSize = 1;
            for (int i = 1; i < tg.dataShape().length; i++) {
                inSize *= tg.dataShape()[i];
            }
            if (inSize != (long) train.rows() * train.cols()) {
                throw new IllegalArgumentException("model input " + java.util.Arrays.toString(tg.dataShape())
                        + " does not fit " + train.rows() + "x" + train.cols() + " images");
            }
            if (train.numClasses() > classes) {
                throw new IllegalArgumentException("data has " + train.numClasses() + " classes, the model outputs " + classes);
            }
            if (train.count() < batch) {
                throw new IllegalArgumentException("training set has " + train.count() + " images, fewer than one batch of " + batch);
            }
            for (String k : cfg.masks().keySet()) {
                checkConstraint("mask", k, cfg.masks().get(k).length);
            }
            for (String k : cfg.ties().keySet()) {
                checkConstraint("tie", k, cfg.ties().get(k).length);
            }
        }

        void checkConstraint(String kind, String name, int length) {
            long[] s = tg.paramShapes().get(name);
            if (s == null) {
                throw new IllegalArgumentException(kind + " for '" + name + "', which is not a trained initializer");
            }
            if (GradContext.numel(s) != length) {
                throw new IllegalArgumentException(kind + " for '" + name + "' has " + length + " entries, the weight "
                        + GradContext.numel(s));
            }
        }

        TrainResult run() throws OrtException {
            var env = Ort.env();
            Map<String, TensorProto> inits = forward.initializers();
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setIntraOpNumThreads(cfg.threads());
                so.setInterOpNumThreads(1);
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                String profile = System.getProperty("tinyfleet.train.profile");
                if (profile != null) {
                    so.enableProfiling(profile);
                }
                if (cfg.threads() > 1) {
                    so.addConfigEntry("session.intra_op.allow_spinning", "0");
                }
                OrtSession session = env.createSession(tg.model().toBytes(), so);
                closeables.add(session);
                Map<String, OnnxTensor> inputs = new HashMap<>();
                Map<String, OnnxValue> outputs = new HashMap<>();
                FloatBuffer data = direct(GradContext.numel(tg.dataShape()));
                inputs.put(tg.dataInput(), tensor(data, tg.dataShape()));
                FloatBuffer targets = direct((long) batch * classes);
                inputs.put(Loss.TARGETS, tensor(targets, tg.logitsShape()));
                FloatBuffer teacherProbs = null;
                if (tg.lossInputs().contains(Loss.TEACHER)) {
                    teacherProbs = direct((long) batch * classes);
                    inputs.put(Loss.TEACHER, tensor(teacherProbs, tg.logitsShape()));
                }
                for (var e : tg.paramShapes().entrySet()) {
                    String name = e.getKey();
                    long n = GradContext.numel(e.getValue());
                    FloatBuffer p = direct(n);
                    p.put(Tensors.toFloats(inits.get(name))).rewind();
                    params.put(name, p);
                    inputs.put(name, tensor(p, e.getValue()));
                    FloatBuffer g = direct(n);
                    grads.put(name, g);
                    outputs.put(tg.gradients().get(name), tensor(g, e.getValue()));
                }
                FloatBuffer lossBuf = direct(1);
                outputs.put(tg.loss(), tensor(lossBuf, new long[0]));
                FloatBuffer logits = direct((long) batch * classes);
                outputs.put(tg.logits(), tensor(logits, tg.logitsShape()));
                for (TrainingGraph.RunningStat rs : tg.runningStats()) {
                    running.put(rs.initializer(), Tensors.toFloats(inits.get(rs.initializer())));
                    if (!stats.containsKey(rs.batchValue())) {
                        FloatBuffer b = direct(running.get(rs.initializer()).length);
                        stats.put(rs.batchValue(), b);
                        outputs.put(rs.batchValue(), tensor(b, new long[] {b.capacity()}));
                    }
                }
                applyConstraints();
                Teacher teacher = cfg.teacher() == null ? null : new Teacher(cfg.teacher(), tg, cfg.threads(), data);
                if (teacher != null) {
                    closeables.add(teacher);
                }
                return loop(session, inputs, outputs, data, targets, teacherProbs, teacher, lossBuf, logits);
            } finally {
                for (int i = closeables.size() - 1; i >= 0; i--) {
                    try {
                        closeables.get(i).close();
                    } catch (Exception ignored) {
                        // closing native resources; nothing to recover
                    }
                }
            }
        }

        OnnxTensor tensor(FloatBuffer b, long[] shape) throws OrtException {
            OnnxTensor t = OnnxTensor.createTensor(Ort.env(), b, shape);
            closeables.add(t);
            return t;
        }

        /** Masks zero the pruned weights; ties set every element to the mean of its group. */
        void applyConstraints() {
            for (var e : cfg.masks().entrySet()) {
                FloatBuffer p = params.get(e.getKey());
                float[] m = e.getValue();
                for (int i = 0; i < m.length; i++) {
                    p.put(i, p.get(i) * m[i]);
                }
            }
            for (var e : cfg.ties().entrySet()) {
                FloatBuffer p = params.get(e.getKey());
                int[] idx = e.getValue();
                int k = 0;
                for (int v : idx) {
                    if (v < 0) {
                        throw new IllegalArgumentException("tie for '" + e.getKey() + "' has a negative index " + v);
                    }
                    k = Math.max(k, v + 1);
                }
                float[] c = new float[k];
                int[] cnt = new int[k];
                for (int i = 0; i < idx.length; i++) {
                    c[idx[i]] += p.get(i);
                    cnt[idx[i]]++;
                }
                for (int j = 0; j < k; j++) {
                    c[j] = cnt[j] == 0 ? 0 : c[j] / cnt[j];
                }
                centroids.put(e.getKey(), c);
                centroidGrads.put(e.getKey(), new float[k]);
                for (int i = 0; i < idx.length; i++) {
                    p.put(i, c[idx[i]]);
                }
            }
        }

        TrainResult loop(OrtSession session, Map<String, OnnxTensor> inputs, Map<String, OnnxValue> outputs,
                         FloatBuffer data, FloatBuffer targets, FloatBuffer teacherProbs, Teacher teacher,
                         FloatBuffer lossBuf, FloatBuffer logits) throws OrtException {
            Optimizer opt = cfg.optimizer().create();
            SplittableRandom rng = new SplittableRandom(cfg.seed());
            SplittableRandom augRng = new SplittableRandom(cfg.seed() ^ 0xa0a0a0a0L);
            float background = pre.apply(0);
            int n = train.count();
            int steps = n / batch;
            long total = (long) steps * cfg.epochs();
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            List<TrainResult.Epoch> history = new ArrayList<>();
            double bestAcc = -1;
            int bestEpoch = 0;
            Map<String, float[]> best = null;
            boolean stopped = false;
            long step = 0;
            Progress bar = new Progress(cfg.progress() ? err : null, steps, cfg.epochs());
            for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
                for (int i = n - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                long t0 = System.nanoTime();
                double lossSum = 0;
                long correct = 0;
                float lr = 0;
                for (int s = 0; s < steps; s++) {
                    data.clear();
                    pre.fill(train, order, s * batch, batch, data);
                    cfg.augmentation().apply(data, batch, train.rows(), train.cols(), background, augRng);
                    data.rewind();
                    for (int i = 0; i < batch * classes; i++) {
                        targets.put(i, 0f);
                    }
                    for (int i = 0; i < batch; i++) {
                        targets.put(i * classes + train.label(order[s * batch + i]), 1f);
                    }
                    if (teacher != null) {
                        teacher.probabilities(teacherProbs, cfg.temperature());
                    }
                    try (OrtSession.Result r = session.run(inputs, outputs)) {
                        // outputs are pinned: nothing to copy
                    }
                    lossSum += lossBuf.get(0);
                    for (int i = 0; i < batch; i++) {
                        if (Evaluator.argmax(logits, i * classes, classes) == train.label(order[s * batch + i])) {
                            correct++;
                        }
                    }
                    lr = cfg.schedule().at(step, total);
                    step++;
                    update(opt, lr, step);
                    bar.step(epoch, s + 1, lossSum / (s + 1), (double) correct / ((long) (s + 1) * batch),
                            (s + 1) * (double) batch / ((System.nanoTime() - t0) / 1e9));
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                double valAcc = Double.NaN;
                if (val != null) {
                    valAcc = Evaluator.accuracy(export(), val, pre, cfg.threads());
                }
                history.add(new TrainResult.Epoch(epoch, lossSum / steps, (double) correct / ((long) steps * batch), valAcc,
                        secs, (double) steps * batch / secs, lr));
                bar.endEpoch(history.get(history.size() - 1));
                if (cfg.checkpointDir() != null) {
                    writeCheckpoint(epoch);
                }
                if (val != null && cfg.patience() > 0) {
                    if (valAcc > bestAcc) {
                        bestAcc = valAcc;
                        bestEpoch = epoch;
                        best = snapshot();
                    } else if (cfg.patience() > 0 && epoch - bestEpoch >= cfg.patience()) {
                        stopped = true;
                        break;
                    }
                }
            }
            if (best == null) {
                bestEpoch = history.size();
                best = snapshot();
            }
            OnnxModel trained = provenance(InferenceExport.foldBatchNorm(InferenceExport.withValues(forward, best)),
                    history.size());
            return new TrainResult(trained, List.copyOf(history), bestEpoch, stopped, parameterCount(),
                    tg.model().graph().getNodeCount());
        }

        long parameterCount() {
            long p = 0;
            for (var e : params.entrySet()) {
                float[] c = centroids.get(e.getKey());
                if (c != null) {
                    p += c.length;
                } else if (cfg.masks().containsKey(e.getKey())) {
                    for (float m : cfg.masks().get(e.getKey())) {
                        p += m != 0 ? 1 : 0;
                    }
                } else {
                    p += e.getValue().capacity();
                }
            }
            return p;
        }

        void update(Optimizer opt, float lr, long step) {
            for (var e : cfg.masks().entrySet()) {
                FloatBuffer g = grads.get(e.getKey());
                float[] m = e.getValue();
                for (int i = 0; i < m.length; i++) {
                    g.put(i, g.get(i) * m[i]);
                }
            }
            for (var e : cfg.ties().entrySet()) {
                float[] cg = centroidGrads.get(e.getKey());
                java.util.Arrays.fill(cg, 0f);
                FloatBuffer g = grads.get(e.getKey());
                int[] idx = e.getValue();
                for (int i = 0; i < idx.length; i++) {
                    cg[idx[i]] += g.get(i);
                }
            }
            float clip = 1f;
            if (cfg.clipNorm() > 0) {
                double sq = 0;
                for (var e : grads.entrySet()) {
                    float[] cg = centroidGrads.get(e.getKey());
                    if (cg != null) {
                        for (float v : cg) {
                            sq += (double) v * v;
                        }
                    } else {
                        FloatBuffer g = e.getValue();
                        for (int i = 0; i < g.capacity(); i++) {
                            sq += (double) g.get(i) * g.get(i);
                        }
                    }
                }
                double norm = Math.sqrt(sq);
                if (norm > cfg.clipNorm()) {
                    clip = (float) (cfg.clipNorm() / norm);
                }
            }
            for (var e : params.entrySet()) {
                String name = e.getKey();
                FloatBuffer p = e.getValue();
                float[] c = centroids.get(name);
                if (c != null) {
                    float[] cg = centroidGrads.get(name);
                    if (clip != 1f) {
                        for (int i = 0; i < cg.length; i++) {
                            cg[i] *= clip;
                        }
                    }
                    opt.update(name, FloatBuffer.wrap(c), FloatBuffer.wrap(cg), c.length, lr, step);
                    int[] idx = cfg.ties().get(name);
                    for (int i = 0; i < idx.length; i++) {
                        p.put(i, c[idx[i]]);
                    }
                    continue;
                }
                FloatBuffer g = grads.get(name);
                if (clip != 1f) {
                    for (int i = 0; i < g.capacity(); i++) {
                        g.put(i, g.get(i) * clip);
                    }
                }
                opt.update(name, p, g, p.capacity(), lr, step);
                float[] m = cfg.masks().get(name);
                if (m != null) {
                    for (int i = 0; i < m.length; i++) {
                        if (m[i] == 0) {
                            p.put(i, 0f);
                        }
                    }
                }
            }
            for (TrainingGraph.RunningStat rs : tg.runningStats()) {
                float[] r = running.get(rs.initializer());
                FloatBuffer b = stats.get(rs.batchValue());
                float unbias = rs.variance() && rs.count() > 1 ? (float) rs.count() / (rs.count() - 1) : 1f;
                float mom = rs.momentum();
                for (int i = 0; i < r.length; i++) {
                    r[i] = mom * r[i] + (1 - mom) * b.get(i) * unbias;
                }
            }
        }

        Map<String, float[]> snapshot() {
            Map<String, float[]> v = new HashMap<>();
            for (var e : params.entrySet()) {
                float[] a = new float[e.getValue().capacity()];
                e.getValue().get(0, a);
                v.put(e.getKey(), a);
            }
            for (var e : running.entrySet()) {
                v.put(e.getKey(), e.getValue().clone());
            }
            return v;
        }

        OnnxModel export() {
            return InferenceExport.foldBatchNorm(InferenceExport.withValues(forward, snapshot()));
        }

        void writeCheckpoint(int epoch) {
            try {
                Files.createDirectories(cfg.checkpointDir());
                provenance(export(), epoch).save(cfg.checkpointDir().resolve("epoch-" + epoch + ".onnx"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write checkpoint: " + e.getMessage(), e);
            }
        }

        OnnxModel provenance(OnnxModel m, int epochs) {
            return m.withMetadata("tinyfleet.train.dataset.sha256", train.sha256())
                    .withMetadata("tinyfleet.train.images", Integer.toString(train.count()))
                    .withMetadata("tinyfleet.train.seed", Long.toString(cfg.seed()))
                    .withMetadata("tinyfleet.train.epochs", Integer.toString(epochs))
                    .withMetadata("tinyfleet.train.batch", Integer.toString(batch))
                    .withMetadata("tinyfleet.train.optimizer", cfg.optimizer().create().toString())
                    .withMetadata("tinyfleet.train.schedule", cfg.schedule().toString())
                    .withMetadata("tinyfleet.train.loss", cfg.loss().toString())
                    .withMetadata("tinyfleet.train.masked", String.join(",", cfg.masks().keySet()))
                    .withMetadata("tinyfleet.train.tied", String.join(",", cfg.ties().keySet()));
        }
    }

    /** Runs the teacher on the current batch and softens its logits at temperature T. */
    private static final class Teacher implements AutoCloseable {
        final OrtSession session;
        final OnnxTensor input;
        final String inputName;
        final int classes;
        final FloatBuffer logits;
        final OnnxTensor logitsTensor;
        final String outputName;

        Teacher(OnnxModel model, TrainingGraph tg, int threads, FloatBuffer data) throws OrtException {
            var inits = model.initializers();
            var in = model.graph().getInputList().stream().filter(v -> !inits.containsKey(v.getName())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("teacher has no data input"));
            int rank = in.getType().getTensorType().getShape().getDimCount();
            long[] shape = tg.dataShape();
            if (rank == 2 && shape.length != 2) {
                shape = new long[] {shape[0], GradContext.numel(shape) / shape[0]};
            } else if (rank == 4 && shape.length == 2) {
                int side = (int) Math.round(Math.sqrt(shape[1]));
                shape = new long[] {shape[0], 1, side, side};
            }
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setIntraOpNumThreads(threads);
                // ALL: ORT's NCHWc conv kernels; the mobile teacher's batch of 128 takes 33 ms instead of
                // 114-148 ms at EXTENDED (1 thread), and the teacher's forward pass dominated a distillation epoch
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                session = Ort.env().createSession(model.toBytes(), so);
            }
            inputName = in.getName();
            input = OnnxTensor.createTensor(Ort.env(), data, shape);
            classes = (int) tg.logitsShape()[1];
            logits = direct((long) tg.batch() * classes);
            logitsTensor = OnnxTensor.createTensor(Ort.env(), logits, tg.logitsShape());
            outputName = model.graph().getOutput(0).getName();
        }

        void probabilities(FloatBuffer out, float t) throws OrtException {
            try (OrtSession.Result r = session.run(Map.of(inputName, input), Map.of(outputName, logitsTensor))) {
                // pinned
            }
            int b = logits.capacity() / classes;
            for (int i = 0; i < b; i++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < classes; j++) {
                    max = Math.max(max, logits.get(i * classes + j) / t);
                }
                double sum = 0;
                for (int j = 0; j < classes; j++) {
                    sum += Math.exp(logits.get(i * classes + j) / t - max);
                }
                for (int j = 0; j < classes; j++) {
                    out.put(i * classes + j, (float) (Math.exp(logits.get(i * classes + j) / t - max) / sum));
                }
            }
        }

        @Override
        public void close() throws OrtException {
            input.close();
            logitsTensor.close();
            session.close();
        }
    }

    /** A one-line progress bar on stderr (nothing when quiet). */
    private static final class Progress {
        final PrintStream out;
        final int steps;
        final int epochs;
        long last;

        Progress(PrintStream out, int steps, int epochs) {
            this.out = out;
            this.steps = steps;
            this.epochs = epochs;
        }

        void step(int epoch, int s, double loss, double acc, double ips) {
            if (out == null) {
                return;
            }
            long now = System.nanoTime();
            if (now - last < 250_000_000L && s != steps) {
                return;
            }
            last = now;
            int w = 30;
            int done = (int) ((long) w * s / steps);
            out.printf("\repoch %d/%d [%s%s] %d/%d loss %.4f acc %.2f%% %.0f img/s ", epoch, epochs,
                    "#".repeat(done), ".".repeat(w - done), s, steps, loss, 100 * acc, ips);
            out.flush();
        }

        void endEpoch(TrainResult.Epoch e) {
            if (out == null) {
                return;
            }
            out.printf("%n  epoch %d: %.1f s, loss %.4f, train acc %.2f%%%s%n", e.epoch(), e.seconds(), e.trainLoss(),
                    100 * e.trainAccuracy(), Double.isNaN(e.valAccuracy()) ? "" : String.format(", val acc %.2f%%", 100 * e.valAccuracy()));
            out.flush();
        }
    }
}
