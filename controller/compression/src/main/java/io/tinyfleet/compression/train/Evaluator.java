package io.tinyfleet.compression.train;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.Ort;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Classification accuracy of an inference model (input {@code [N,1,H,W]} or {@code [N,H*W]},
 * logits first output) on labelled images, in batches.
 */
public final class Evaluator {

    private Evaluator() {
    }

    /** Predicted class per image. */
    public static int[] predict(OnnxModel model, LabeledImages data, Preprocessing pre, int threads) {
        var g = model.graph();
        var inits = model.initializers();
        var in = g.getInputList().stream().filter(v -> !inits.containsKey(v.getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("model has no data input"));
        int rank = in.getType().getTensorType().getShape().getDimCount();
        var dim0 = rank > 0 ? in.getType().getTensorType().getShape().getDim(0) : null;
        int size = data.rows() * data.cols();
        int batch = dim0 != null && dim0.hasDimValue() ? (int) dim0.getDimValue() : 500;
        int[] order = new int[data.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int[] pred = new int[data.count()];
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            if (threads > 1) {
                so.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            try (OrtSession s = Ort.env().createSession(model.toBytes(), so)) {
                FloatBuffer buf = ByteBuffer.allocateDirect(batch * size * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (int from = 0; from < order.length; from += batch) {
                    int count = Math.min(batch, order.length - from);
                    if (count < batch && dim0 != null && dim0.hasDimValue()) {
                        throw new IllegalArgumentException("model has a fixed batch of " + batch
                                + "; the data's " + order.length + " images are not a multiple");
                    }
                    buf.clear();
                    pre.fill(data, order, from, count, buf);
                    buf.flip();
                    long[] shape = rank == 2 ? new long[] {count, size} : new long[] {count, 1, data.rows(), data.cols()};
                    try (OnnxTensor t = OnnxTensor.createTensor(Ort.env(), buf, shape);
                         OrtSession.Result r = s.run(Map.of(in.getName(), t))) {
                        FloatBuffer logits = ((OnnxTensor) r.get(0)).getFloatBuffer();
                        int k = logits.capacity() / count;
                        for (int i = 0; i < count; i++) {
                            pred[from + i] = argmax(logits, i * k, k);
                        }
                    }
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("evaluation failed: " + e.getMessage(), e);
        }
        return pred;
    }

    /** Fraction of images classified correctly. */
    public static double accuracy(OnnxModel model, LabeledImages data, Preprocessing pre, int threads) {
        int[] p = predict(model, data, pre, threads);
        int ok = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == data.label(i)) {
                ok++;
            }
        }
        return p.length == 0 ? Double.NaN : (double) ok / p.length;
    }

    static int argmax(FloatBuffer b, int off, int k) {
        int best = 0;
        float bv = b.get(off);
        for (int j = 1; j < k; j++) {
            float v = b.get(off + j);
            if (v > bv) {
                bv = v;
                best = j;
            }
        }
        return best;
    }
}
