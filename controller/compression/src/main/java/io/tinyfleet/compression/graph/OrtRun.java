package io.tinyfleet.compression.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.session.Ort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs models in ONNX Runtime for the techniques' own needs (calibration, shape probes, fusion
 * checks). Measuring speed and accuracy for users is the evaluator's job in {@code runtime.bench}.
 */
public final class OrtRun {

    private OrtRun() {
    }

    /** A float tensor fed to or read from a model. */
    public record Value(long[] shape, float[] data) {
    }

    /** Session extra settings a model needs, keyed as in ORT's config entries (the runtime's rule). */
    public static Map<String, String> sessionConfig(OnnxModel model) {
        return io.tinyfleet.runtime.session.ModelRuntime.sessionConfig(model);
    }

    /**
     * Metadata key in which a technique asks for {@code optimization.disable_specified_optimizers}
     * (int4 weight-only needs {@code MatMulAddFusion} disabled to fuse into MatMulNBits).
     */
    public static final String SESSION_DISABLE_OPTIMIZERS = io.tinyfleet.runtime.session.ModelRuntime.SESSION_DISABLE_OPTIMIZERS;

    /**
     * Runs {@code model} on each feed map and returns the float outputs named in {@code outputs}
     * (graph outputs or any intermediate float value; intermediate ones are exposed for the run).
     */
    public static List<Map<String, Value>> run(OnnxModel model, List<Map<String, Value>> feeds, List<String> outputs,
                                               OptLevel level) {
        List<Map<String, Value>> out = new ArrayList<>();
        forEach(model, feeds, outputs, level, out::add);
        return out;
    }

    /** Like {@link #run} but hands each result to {@code sink} instead of keeping them all. */
    public static void forEach(OnnxModel model, List<Map<String, Value>> feeds, List<String> outputs, OptLevel level,
                               java.util.function.Consumer<Map<String, Value>> sink) {
        OnnxModel m = expose(model, outputs);
        try (SessionOptions so = options(model, level);
             OrtSession s = Ort.env().createSession(m.toBytes(), so)) {
            for (Map<String, Value> feed : feeds) {
                Map<String, OnnxTensor> in = new HashMap<>();
                try {
                    for (var e : feed.entrySet()) {
                        in.put(e.getKey(), OnnxTensor.createTensor(Ort.env(), FloatBuffer.wrap(e.getValue().data()),
                                e.getValue().shape()));
                    }
                    try (OrtSession.Result r = s.run(in, Set.copyOf(outputs))) {
                        Map<String, Value> row = new LinkedHashMap<>();
                        for (String name : outputs) {
                            OnnxValue v = r.get(name).orElseThrow();
                            if (v instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
                                FloatBuffer fb = t.getFloatBuffer();
                                float[] d = new float[fb.remaining()];
                                fb.get(d);
                                row.put(name, new Value(((TensorInfo) t.getInfo()).getShape(), d));
                            }
                        }
                        sink.accept(row);
                    }
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot run " + model.origin() + ": "
                    + firstLine(e.getMessage()), e);
        }
    }

    /** Checks that ONNX Runtime loads {@code model}; throws with ORT's reason otherwise. */
    public static void load(OnnxModel model) {
        try (SessionOptions so = options(model, OptLevel.BASIC_OPT);
             OrtSession s = Ort.env().createSession(model.toBytes(), so)) {
            s.getInputNames();
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot load " + model.origin() + ": "
                    + firstLine(e.getMessage()), e);
        }
    }

    /**
     * The graph ONNX Runtime actually runs after optimising at {@code level} (saved through
     * {@code SessionOptions.setOptimizedModelFilePath}). Use EXTENDED or lower for portable results.
     */
    public static GraphProto optimized(OnnxModel model, OptLevel level) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("tinyfleet-opt-", ".onnx");
            try (SessionOptions so = options(model, level)) {
                so.setOptimizedModelFilePath(tmp.toString());
                try (OrtSession s = Ort.env().createSession(model.toBytes(), so)) {
                    s.getInputNames();
                }
            }
            return OnnxModel.load(tmp).graph();
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX Runtime cannot load " + model.origin() + ": "
                    + firstLine(e.getMessage()), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /** Op type counts of a graph. */
    public static Map<String, Integer> opCounts(GraphProto g) {
        Map<String, Integer> m = new java.util.TreeMap<>();
        g.getNodeList().forEach(n -> m.merge(n.getOpType(), 1, Integer::sum));
        return m;
    }

    private static SessionOptions options(OnnxModel model, OptLevel level) throws OrtException {
        SessionOptions so = new SessionOptions();
        so.setIntraOpNumThreads(1);
        so.setInterOpNumThreads(1);
        so.setOptimizationLevel(level);
        for (var e : sessionConfig(model).entrySet()) {
            so.addConfigEntry(e.getKey(), e.getValue());
        }
        return so;
    }

    /** {@code model} with the named values added as float graph outputs (those not outputs already). */
    public static OnnxModel expose(OnnxModel model, List<String> names) {
        Set<String> outs = Graphs.outputNames(model.graph());
        GraphProto.Builder g = model.graph().toBuilder();
        boolean changed = false;
        for (String n : names) {
            if (!outs.contains(n)) {
                g.addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(n)
                        .setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder().setTensorType(
                                ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder()
                                        .setElemType(TensorProto.DataType.FLOAT_VALUE))));
                outs.add(n);
                changed = true;
            }
        }
        return changed ? model.withGraph(g.build()) : model;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
