package io.tinyfleet.runtime.profile;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.tinyfleet.runtime.inspect.ShapeInference;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * How much resident memory loading a model into ONNX Runtime and running it at batch 1 will take,
 * estimated <em>before</em> loading it, so that a device (or an emulated one) can refuse a model that
 * would not fit instead of being killed by the kernel while loading it.
 *
 * <p>The Java API of ONNX Runtime has no per-session memory figure, so the rule is calibrated on
 * measured RSS growth (ORT 1.23.2, x86-64, one intra-op thread, fixed pre-touched JVM heap): peak
 * growth while loading was 8.2-8.5 MiB for LeNet-5 (0.24 MB file), 21.6 MiB for an MLP of 5.4 MB
 * and 43.5 MiB for one of 14.6 MB (2.4-2.5 times the weights past the fixed part), 35-38 MiB for a
 * conv net of 5.8 MB (4.6-5.1 times: pre-packed conv kernels); running added under 1 MiB.
 * Hence: a fixed {@link #SESSION_OVERHEAD_BYTES} (session, kernels, graph), plus {@link #WEIGHT_COPIES}
 * times the weights (the serialised model, ORT's parsed copy and its initializer tensors and
 * pre-packed kernels exist at once while loading), plus twice the largest activation step at batch 1
 * (a node's inputs and outputs alive at once, in and out buffers). Half-precision weights count 4
 * bytes per element: ORT's CPU kernels widen them at load. It is an estimate, labelled so; what is
 * measured after loading ({@link MemoryCap#checkLoaded}) is what counts.
 *
 * @param weightBytes        initializer and constant bytes as ORT will hold them
 * @param activationBytes    the largest node step (inputs + outputs) at batch 1, 0 when no shape is known
 * @param activationsKnown   whether every node's shapes were inferred
 * @param estimateBytes      the whole estimate
 */
public record ModelMemoryEstimate(long weightBytes, long activationBytes, boolean activationsKnown, long estimateBytes) {

    /** Fixed cost of one session besides weights and activations (measured 8.2-8.5 MiB for LeNet-5). */
    public static final long SESSION_OVERHEAD_BYTES = 8L << 20;

    /**
     * Copies of the weights alive at the peak of loading: measured 2.4-2.5 for MLPs, 4.6-5.1 for a conv
     * net; 3 keeps the estimate from refusing models that fit, the measurement after loading catches the rest.
     */
    public static final int WEIGHT_COPIES = 3;

    /** Estimates {@code model}'s session memory. */
    public static ModelMemoryEstimate of(OnnxModel model) {
        long weights = weightBytes(model.graph());
        long step = 0;
        boolean known = true;
        try {
            ShapeInference shapes = ShapeInference.of(model);
            Set<String> initializers = new HashSet<>();
            model.graph().getInitializerList().forEach(t -> initializers.add(t.getName()));
            for (NodeProto n : model.graph().getNodeList()) {
                long bytes = 0;
                for (String v : n.getInputList()) {
                    if (!v.isEmpty() && !initializers.contains(v)) {
                        long b = valueBytes(shapes, v);
                        known &= b >= 0;
                        bytes += Math.max(0, b);
                    }
                }
                for (String v : n.getOutputList()) {
                    if (!v.isEmpty()) {
                        long b = valueBytes(shapes, v);
                        known &= b >= 0;
                        bytes += Math.max(0, b);
                    }
                }
                step = Math.max(step, bytes);
            }
        } catch (RuntimeException e) {
            known = false;
        }
        long estimate = SESSION_OVERHEAD_BYTES + WEIGHT_COPIES * weights + 2 * step;
        return new ModelMemoryEstimate(weights, step, known, estimate);
    }

    /** One line for reports: "about 41.0 MiB (8 MiB session + 3 x 10.9 MiB weights + 2 x 0.0 MiB activations)". */
    public String describe() {
        return String.format("about %s (estimate: %d MiB session + %d x %s weights + 2 x %s largest activation step%s)",
                MemoryCap.mib(estimateBytes), SESSION_OVERHEAD_BYTES >> 20, WEIGHT_COPIES, MemoryCap.mib(weightBytes),
                MemoryCap.mib(activationBytes), activationsKnown ? "" : ", some shapes unknown");
    }

    private static long valueBytes(ShapeInference shapes, String name) {
        Optional<long[]> s = shapes.shape(name);
        if (s.isEmpty()) {
            return -1;
        }
        long n = 4; // float32 activations; the estimate does not track element types of intermediate values
        for (long d : s.get()) {
            if (d < 0) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    private static long weightBytes(GraphProto g) {
        long total = 0;
        for (TensorProto t : g.getInitializerList()) {
            total += tensorBytes(t);
        }
        for (var st : g.getSparseInitializerList()) {
            total += tensorBytes(st.getValues()) + tensorBytes(st.getIndices());
        }
        for (NodeProto n : g.getNodeList()) {
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasT()) {
                    total += tensorBytes(a.getT());
                }
                if (a.hasG()) {
                    total += weightBytes(a.getG());
                }
                for (GraphProto sub : a.getGraphsList()) {
                    total += weightBytes(sub);
                }
            }
        }
        return total;
    }

    /** Bytes of {@code t} as ORT's CPU kernels hold it (half precision widened to float). */
    static long tensorBytes(TensorProto t) {
        long n = Tensors.numel(t);
        TensorProto.DataType type = TensorProto.DataType.forNumber(t.getDataType());
        if (type == null) {
            return 4 * n;
        }
        return n * switch (type) {
            case DOUBLE, INT64, UINT64, COMPLEX64 -> 8L;
            case COMPLEX128, STRING -> 16L;
            case INT8, UINT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> 1L;
            case INT4, UINT4 -> 1L; // at most a byte per element: an upper bound
            case INT16, UINT16 -> 2L;
            default -> 4L; // FLOAT, INT32, UINT32, and FLOAT16/BFLOAT16 widened to float
        };
    }
}
