package io.tinyfleet.compression.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.session.Ort;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Compares the gradients that the emitted training graph computes in ONNX Runtime (float) with
 * central finite differences of {@link RefEval} in double precision.
 */
final class GradCheck {

    private GradCheck() {
    }

    /** Runs the training graph once; returns output name -> values. */
    static Map<String, float[]> runTraining(TrainingGraph tg, Map<String, float[]> params, float[] targets, float[] teacher)
            throws Exception {
        var env = Ort.env();
        Map<String, OnnxTensor> in = new HashMap<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(tg.model().toBytes(), so)) {
                in.put(tg.dataInput(), OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[(int) GradContext.numel(tg.dataShape())]), tg.dataShape()));
                for (var e : tg.paramShapes().entrySet()) {
                    in.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(params.get(e.getKey())), e.getValue()));
                }
                in.put(Loss.TARGETS, OnnxTensor.createTensor(env, FloatBuffer.wrap(targets), tg.logitsShape()));
                if (teacher != null) {
                    in.put(Loss.TEACHER, OnnxTensor.createTensor(env, FloatBuffer.wrap(teacher), tg.logitsShape()));
                }
                Map<String, float[]> out = new HashMap<>();
                try (OrtSession.Result r = s.run(in)) {
                    for (var e : r) {
                        OnnxTensor t = (OnnxTensor) e.getValue();
                        FloatBuffer fb = t.getFloatBuffer();
                        if (fb == null) {
                            continue;
                        }
                        float[] a = new float[fb.remaining()];
                        fb.get(a);
                        out.put(e.getKey(), a);
                    }
                }
                return out;
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
        }
    }

    /** MSE-loss gradient check of every default-trainable initializer. */
    static void check(OnnxModel forward, long seed) throws Exception {
        check(forward, seed, new Loss.MeanSquaredError(), null, (z, t) -> {
            double s = 0;
            for (int i = 0; i < z.length; i++) {
                s += (z[i] - t[i]) * (z[i] - t[i]);
            }
            return s / z.length;
        });
    }

    /**
     * Checks gradients for a loss; {@code refLoss} maps (logits, targets) to the loss in double
     * (teacher probabilities, when present, are appended to the targets array).
     */
    static void check(OnnxModel forward, long seed, Loss loss, float[] teacher,
                      BiFunction<double[], double[], Double> refLoss) throws Exception {
        List<String> trainable = GradientBuilder.defaultTrainable(forward);
        long batch = forward.graph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimValue();
        TrainingGraph tg = GradientBuilder.build(forward, trainable, loss, (int) batch, seed);
        Random rnd = new Random(seed);
        int k = (int) GradContext.numel(tg.logitsShape());
        float[] targets = new float[k];
        for (int i = 0; i < k; i++) {
            targets[i] = (float) rnd.nextGaussian();
        }
        if (loss instanceof Loss.SoftmaxCrossEntropy || loss instanceof Loss.Distillation) {
            int classes = (int) tg.logitsShape()[1];
            java.util.Arrays.fill(targets, 0f);
            for (int i = 0; i < tg.logitsShape()[0]; i++) {
                targets[i * classes + rnd.nextInt(classes)] = 1f;
            }
        }
        Map<String, TensorProto> inits = forward.initializers();
        Map<String, float[]> params = new HashMap<>();
        for (String p : tg.paramShapes().keySet()) {
            params.put(p, Tensors.toFloats(inits.get(p)));
        }
        Map<String, float[]> out = runTraining(tg, params, targets, teacher);
        double[] t = new double[targets.length + (teacher == null ? 0 : teacher.length)];
        for (int i = 0; i < targets.length; i++) {
            t[i] = targets[i];
        }
        if (teacher != null) {
            for (int i = 0; i < teacher.length; i++) {
                t[targets.length + i] = teacher[i];
            }
        }
        Map<String, RefEval.T> feed = new HashMap<>();
        long[] ds = tg.dataShape();
        feed.put(tg.dataInput(), new RefEval.T(new double[(int) GradContext.numel(ds)], ds));
        for (String p : tg.paramShapes().keySet()) {
            float[] v = params.get(p);
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                d[i] = v[i];
            }
            feed.put(p, new RefEval.T(d, tg.paramShapes().get(p)));
        }
        double base = refLoss.apply(RefEval.run(forward, feed).d(), t);
        float ortLoss = out.get(tg.loss())[0];
        assertTrue(Math.abs(ortLoss - base) <= 1e-4 + 1e-4 * Math.abs(base),
                "loss: ORT " + ortLoss + " vs reference " + base);
        assertTrue(!tg.gradients().isEmpty(), "no gradients emitted");
        for (String p : tg.paramShapes().keySet()) {
            double[] d = feed.get(p).d();
            float[] g = out.get(tg.gradients().get(p));
            double[] fd = new double[d.length];
            double scale = 0;
            for (int i = 0; i < d.length; i++) {
                double h = 1e-5 * Math.max(1, Math.abs(d[i]));
                double keep = d[i];
                d[i] = keep + h;
                double up = refLoss.apply(RefEval.run(forward, feed).d(), t);
                d[i] = keep - h;
                double down = refLoss.apply(RefEval.run(forward, feed).d(), t);
                d[i] = keep;
                fd[i] = (up - down) / (2 * h);
                scale = Math.max(scale, Math.abs(fd[i]));
            }
            for (int i = 0; i < d.length; i++) {
                double tol = 2e-3 * scale + 1e-5;
                assertTrue(Math.abs(g[i] - fd[i]) <= tol, "gradient of '" + p + "'[" + i + "]: ORT " + g[i]
                        + " vs finite difference " + fd[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
