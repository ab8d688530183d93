package io.tinyfleet.compression.graph;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Model inputs for calibration and checks: a fixed-seed sample of the training images when the
 * model takes one image per sample, else seeded uniform random values in [0, 1).
 */
public final class Samples {

    private Samples() {
    }

    /**
     * Feed batches.
     *
     * @param model      whose single float input is filled
     * @param ctx        data, preprocessing and seed
     * @param count      number of samples
     * @param batch      preferred batch (models with a fixed batch get theirs)
     * @return the batches and whether real data was used
     */
    public static Batches of(OnnxModel model, TechniqueContext ctx, int count, int batch) {
        List<ValueInfoProto> inputs = Graphs.realInputs(model.graph());
        List<Map<String, OrtRun.Value>> out = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(ctx.seed());
        LabeledImages data = ctx.train();
        boolean real = data != null && inputs.size() == 1 && perSample(inputs.get(0), 1) == (long) data.rows() * data.cols();
        int[] order = null;
        if (real) {
            order = new int[count];
            for (int i = 0; i < count; i++) {
                order[i] = rnd.nextInt(data.count());
            }
        }
        int done = 0;
        while (done < count) {
            Map<String, OrtRun.Value> feed = new HashMap<>();
            int b = Math.min(batch, count - done);
            for (ValueInfoProto in : inputs) {
                if (in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
                    throw new IllegalArgumentException("input '" + in.getName() + "' of " + model.origin()
                            + " is not float; TinyFleet calibrates float inputs only");
                }
                long[] shape = shape(in, b);
                b = (int) shape[0];
                int n = Math.toIntExact(numel(shape));
                float[] x = new float[n];
                if (real) {
                    int[] idx = new int[b];
                    for (int k = 0; k < b; k++) {
                        idx[k] = order[Math.min(done + k, count - 1)];
                    }
                    ctx.preprocessing().fill(data, idx, 0, b, FloatBuffer.wrap(x));
                } else {
                    for (int k = 0; k < n; k++) {
                        x[k] = (float) rnd.nextDouble();
                    }
                }
                feed.put(in.getName(), new OrtRun.Value(shape, x));
            }
            out.add(feed);
            done += b;
        }
        return new Batches(out, real);
    }

    /** Feed batches and whether they are real images (false: random values). */
    public record Batches(List<Map<String, OrtRun.Value>> feeds, boolean realData) {
    }

    /** Shape of {@code in} with the first dim set to {@code batch} when symbolic; other symbolic dims become 1. */
    public static long[] shape(ValueInfoProto in, int batch) {
        TensorShapeProto s = in.getType().getTensorType().getShape();
        long[] shape = new long[s.getDimCount()];
        for (int i = 0; i < shape.length; i++) {
            TensorShapeProto.Dimension d = s.getDim(i);
            shape[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : (i == 0 ? batch : 1);
        }
        return shape;
    }

    private static long perSample(ValueInfoProto in, int batch) {
        long[] s = shape(in, batch);
        long n = 1;
        for (int i = 1; i < s.length; i++) {
            n *= s[i];
        }
        return n;
    }

    private static long numel(long[] s) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        return n;
    }
}
