package io.tinyfleet.runtime.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.session.ModelRuntime;
import io.tinyfleet.runtime.session.Ort;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Builds input tensors for a model: from labelled images (one float input shaped {@code [N,1,H,W]},
 * {@code [N,H,W]} or {@code [N,H*W]}), or deterministic random values shaped from the model's inputs
 * (a symbolic leading dimension becomes the batch size, other symbolic dimensions 1).
 */
final class InputFeed implements AutoCloseable {

    private final List<String> names = new ArrayList<>();
    private final List<TensorInfo> infos = new ArrayList<>();
    private final boolean batchable;
    private final int fixedBatch;
    private final List<String> notes = new ArrayList<>();
    private final LabeledImages data;
    private final Preprocessing preprocessing;
    private final long seed;
    private FloatBuffer buffer;

    private InputFeed(ModelRuntime rt, LabeledImages data, String dataName, Preprocessing pre, long seed) {
        this.data = data;
        this.preprocessing = pre;
        this.seed = seed;
        for (Map.Entry<String, NodeInfo> e : rt.inputs().entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo ti)) {
                throw new IllegalArgumentException("model input '" + e.getKey() + "' is not a tensor ("
                        + e.getValue().getInfo() + "): only tensor inputs can be fed");
            }
            names.add(e.getKey());
            infos.add(ti);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("model " + rt.model().origin() + " has no inputs to feed");
        }
        boolean b = true;
        int fixed = 1;
        for (int k = 0; k < infos.size(); k++) {
            long[] s = infos.get(k).getShape();
            if (s.length == 0 || s[0] >= 0) {
                b = false;
                fixed = s.length == 0 ? 1 : (int) Math.max(1, s[0]);
                notes.add("model input '" + names.get(k) + "' has a fixed batch of " + fixed
                        + ": evaluated at batch " + fixed);
            }
        }
        this.batchable = b;
        this.fixedBatch = fixed;
        if (data != null) {
            checkDataFits(dataName);
        } else {
            for (int k = 0; k < infos.size(); k++) {
                long[] s = infos.get(k).getShape();
                for (int i = 1; i < s.length; i++) {
                    if (s[i] < 0) {
                        String[] dn = infos.get(k).getDimensionNames();
                        notes.add("model input '" + names.get(k) + "' dimension " + i
                                + (dn != null && i < dn.length && !dn[i].isEmpty() ? " ('" + dn[i] + "')" : "")
                                + " is symbolic: random inputs use 1");
                    }
                }
            }
        }
    }

    static InputFeed plan(ModelRuntime rt, EvalOptions o) {
        return new InputFeed(rt, o.data(), o.dataName(), o.preprocessing(), o.seed());
    }

    private void checkDataFits(String dataName) {
        if (names.size() != 1) {
            throw new IllegalArgumentException("model has " + names.size() + " inputs (" + String.join(", ", names)
                    + ") but " + dataName + " feeds one image input");
        }
        TensorInfo ti = infos.get(0);
        long[] s = ti.getShape();
        int r = data.rows();
        int c = data.cols();
        long[] given = switch (s.length) {
            case 4 -> new long[] {1, 1, r, c};
            case 3 -> new long[] {1, r, c};
            case 2 -> new long[] {1, (long) r * c};
            default -> null;
        };
        boolean fits = given != null;
        for (int i = 1; fits && i < s.length; i++) {
            fits = s[i] < 0 || s[i] == given[i];
        }
        if (!fits) {
            String g = given == null ? "[1,1," + r + "," + c + "]" : shape(given);
            throw new IllegalArgumentException("model input '" + names.get(0) + "' expects " + shape(s)
                    + " but " + dataName + " gives " + g);
        }
        if (ti.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException("model input '" + names.get(0) + "' expects " + ti.type
                    + " but " + dataName + " gives FLOAT images");
        }
    }

    /** {@code [1,3,240,320]}, symbolic dimensions as {@code ?}. */
    static String shape(long[] s) {
        return Arrays.stream(s).mapToObj(d -> d < 0 ? "?" : Long.toString(d))
                .collect(Collectors.joining(",", "[", "]"));
    }

    boolean batchable() {
        return batchable;
    }

    /** Samples per run when the model is not batchable. */
    int fixedBatch() {
        return fixedBatch;
    }

    List<String> notes() {
        return notes;
    }

    /** Shapes fed at batch {@code n} (n ignored for a fixed batch). */
    Map<String, List<Long>> shapes(int n) {
        Map<String, List<Long>> m = new LinkedHashMap<>();
        for (int k = 0; k < names.size(); k++) {
            m.put(names.get(k), Arrays.stream(dims(k, n)).boxed().toList());
        }
        return m;
    }

    private long[] dims(int k, int n) {
        long[] s = infos.get(k).getShape().clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0) {
                s[i] = i == 0 ? n : 1;
            }
        }
        if (data != null && s.length >= 1) {
            s[0] = batchable ? n : s[0];
        }
        return s;
    }

    /** Random inputs at batch {@code n} (the caller closes them). */
    Map<String, OnnxTensor> random(int n) throws OrtException {
        OrtEnvironment env = Ort.env();
        Random rnd = new Random(seed);
        Map<String, OnnxTensor> m = new LinkedHashMap<>();
        try {
            for (int k = 0; k < names.size(); k++) {
                long[] d = dims(k, n);
                long count = 1;
                for (long x : d) {
                    count = Math.multiplyExact(count, x);
                }
                TensorInfo ti = infos.get(k);
                OnnxTensor t = switch (ti.type) {
                    case FLOAT -> {
                        ByteBuffer bb = ByteBuffer.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder());
                        FloatBuffer fb = bb.asFloatBuffer();
                        for (long i = 0; i < count; i++) {
                            fb.put(rnd.nextFloat());
                        }
                        fb.rewind();
                        yield OnnxTensor.createTensor(env, fb, d);
                    }
                    case DOUBLE -> {
                        double[] v = new double[Math.toIntExact(count)];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = rnd.nextDouble();
                        }
                        yield OnnxTensor.createTensor(env, java.nio.DoubleBuffer.wrap(v), d);
                    }
                    case INT64 -> OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(new long[Math.toIntExact(count)]), d);
                    case INT32 -> OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(new int[Math.toIntExact(count)]), d);
                    case UINT8, INT8, BOOL -> {
                        byte[] v = new byte[Math.toIntExact(count)];
                        if (ti.type != OnnxJavaType.BOOL) {
                            rnd.nextBytes(v);
                        }
                        yield OnnxTensor.createTensor(env, ByteBuffer.wrap(v), d, ti.type);
                    }
                    default -> throw new IllegalArgumentException("model input '" + names.get(k) + "' has type "
                            + ti.type + ", for which no random input can be made");
                };
                m.put(names.get(k), t);
            }
            return m;
        } catch (OrtException | RuntimeException e) {
            m.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    /**
     * The samples {@code order[from .. from+n-1]} as the model's one input (the caller closes it). The
     * tensor is a zero-copy view of a reused direct buffer: close it before the next call.
     */
    Map<String, OnnxTensor> images(int[] order, int from, int n) throws OrtException {
        int size = data.rows() * data.cols();
        if (buffer == null || buffer.capacity() < n * size) {
            buffer = ByteBuffer.allocateDirect(n * size * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        buffer.clear();
        preprocessing.fill(data, order, from, n, buffer);
        buffer.flip();
        return Map.of(names.get(0), OnnxTensor.createTensor(Ort.env(), buffer, dims(0, n)));
    }

    @Override
    public void close() {
        buffer = null;
    }
}
