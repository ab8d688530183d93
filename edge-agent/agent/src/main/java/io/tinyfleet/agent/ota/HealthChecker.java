package io.tinyfleet.agent.ota;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.tinyfleet.proto.v1.HealthCheck;
import io.tinyfleet.proto.v1.HealthReport;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.bench.LatencyStats;
import io.tinyfleet.runtime.data.EvalShard;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.profile.MemoryCapExceededException;
import io.tinyfleet.runtime.session.ModelRuntime;
import io.tinyfleet.runtime.session.Ort;
import io.tinyfleet.runtime.session.RuntimeOptions;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The health check a new model passes before it becomes active: it loads in ONNX Runtime, one
 * inference on synthetic inputs of the model's declared shapes gives finite outputs, the p95
 * latency at batch 1 stays under the manifest's ceiling, and the accuracy on the eval shard
 * shipped with the model reaches the manifest's floor. With a memory cap in the runtime options
 * ({@code --emulate}), a model the emulated device could not hold fails with {@code memory_cap_exceeded}.
 * A model that passes is returned loaded
 * and warm, ready for {@link ServingModel#swap}.
 */
public final class HealthChecker {

    /** Timed runs when the manifest does not say. */
    public static final int DEFAULT_LATENCY_RUNS = 30;

    /** Result: passed (with the open runtime) or failed (with a stable code and a reason). */
    public record Outcome(boolean passed, String code, String detail, HealthReport report, ModelRuntime runtime) {
    }

    private final RuntimeOptions options;

    /** @param options how to open sessions (threads, providers) on this device */
    public HealthChecker(RuntimeOptions options) {
        this.options = options;
    }

    /**
     * Checks {@code model}; the caller owns the runtime of a passed outcome.
     *
     * @param shard the bundle's eval shard (the runtime's format, scored by the runtime's
     *              {@link Evaluator} with the preprocessing the shard declares), or null
     */
    public Outcome check(OnnxModel model, HealthCheck hc, EvalShard shard) {
        HealthReport.Builder r = HealthReport.newBuilder().setP95Ms(-1).setAccuracy(-1);
        ModelRuntime rt;
        try {
            rt = ModelRuntime.open(model, options);
        } catch (MemoryCapExceededException e) {
            // hook for --emulate: the options carry the emulated device's memory cap (refused before or after loading)
            return fail("memory_cap_exceeded", e.getMessage(), r, null);
        } catch (RuntimeException e) {
            return fail("load_failed", e.getMessage(), r, null);
        }
        r.setLoaded(true).setLoadMs(rt.loadMillis());
        try {
            Map<String, OnnxTensor> inputs;
            try {
                inputs = syntheticInputs(rt);
            } catch (IllegalArgumentException e) {
                return fail("unsupported_input", e.getMessage(), r, rt);
            }
            try {
                try (OrtSession.Result res = rt.run(inputs)) {
                    String bad = nonFinite(res);
                    if (bad != null) {
                        return fail("smoke_non_finite", "output '" + bad + "' holds NaN or infinity", r, rt);
                    }
                }
                r.setSmokeOk(true);
                int runs = hc.getLatencyRuns() > 0 ? hc.getLatencyRuns() : DEFAULT_LATENCY_RUNS;
                double[] ms = new double[runs];
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    rt.run(inputs).close();
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                r.setP95Ms(LatencyStats.of(ms).p95());
            } catch (IllegalArgumentException e) {
                return fail("smoke_failed", e.getMessage(), r, rt);
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
            if (hc.getMaxP95Ms() > 0 && r.getP95Ms() > hc.getMaxP95Ms()) {
                return fail("latency_above_ceiling", String.format("p95 latency %.3f ms exceeds the ceiling of %.3f ms",
                        r.getP95Ms(), hc.getMaxP95Ms()), r, rt);
            }
            if (shard != null && shard.images().count() > 0) {
                try {
                    // the one accuracy harness (same scoring as the controller's) on the session just
                    // loaded, with the preprocessing the shard declares; latency is measured above
                    double acc = Evaluator.accuracy(rt, shard.images(), shard.spec().preprocessing());
                    r.setAccuracy(acc).setEvalSamples(shard.images().count());
                } catch (IllegalArgumentException e) {
                    return fail("eval_failed", "accuracy not computed on the eval shard: " + e.getMessage(), r, rt);
                }
            }
            if (hc.getMinAccuracy() > 0) {
                if (r.getAccuracy() < 0) {
                    return fail("accuracy_unmeasurable", "the manifest sets an accuracy floor of "
                            + hc.getMinAccuracy() + " but the bundle has no eval shard", r, rt);
                }
                if (r.getAccuracy() < hc.getMinAccuracy()) {
                    return fail("accuracy_below_floor", String.format("accuracy %.4f on %d samples is below the floor %.4f",
                            r.getAccuracy(), r.getEvalSamples(), hc.getMinAccuracy()), r, rt);
                }
            }
            return new Outcome(true, "", "", r.build(), rt);
        } catch (RuntimeException e) {
            return fail("health_check_error", ModelRuntime.firstLine(e), r, rt);
        }
    }

    private static Outcome fail(String code, String detail, HealthReport.Builder r, ModelRuntime rt) {
        if (rt != null) {
            rt.close();
        }
        return new Outcome(false, code, detail, r.build(), null);
    }

    /** Zero-filled inputs of every declared shape (symbolic dims = 1). */
    static Map<String, OnnxTensor> syntheticInputs(ModelRuntime rt) {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NodeInfo> e : rt.inputs().entrySet()) {
                if (!(e.getValue().getInfo() instanceof TensorInfo ti)) {
                    throw new IllegalArgumentException("input '" + e.getKey() + "' is not a tensor");
                }
                long[] shape = Arrays.stream(ti.getShape()).map(d -> d < 0 ? 1 : d).toArray();
                int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                OnnxJavaType t = ti.type;
                OnnxTensor tensor = switch (t) {
                    case FLOAT -> OnnxTensor.createTensor(Ort.env(), FloatBuffer.allocate(n), shape);
                    case INT64 -> OnnxTensor.createTensor(Ort.env(), LongBuffer.allocate(n), shape);
                    case INT32 -> OnnxTensor.createTensor(Ort.env(), IntBuffer.allocate(n), shape);
                    case UINT8, INT8 -> OnnxTensor.createTensor(Ort.env(), ByteBuffer.allocate(n), shape, t);
                    default -> throw new IllegalArgumentException("input '" + e.getKey() + "' has type " + t
                            + "; the health check feeds float, int64, int32, int8 or uint8 inputs");
                };
                in.put(e.getKey(), tensor);
            }
            return in;
        } catch (OrtException e) {
            in.values().forEach(OnnxTensor::close);
            throw new IllegalArgumentException("cannot build inputs: " + ModelRuntime.firstLine(e), e);
        }
    }

    private static String nonFinite(OrtSession.Result res) {
        for (Map.Entry<String, OnnxValue> e : res) {
            if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
                FloatBuffer fb = t.getFloatBuffer();
                while (fb.hasRemaining()) {
                    if (!Float.isFinite(fb.get())) {
                        return e.getKey();
                    }
                }
            }
        }
        return null;
    }
}
