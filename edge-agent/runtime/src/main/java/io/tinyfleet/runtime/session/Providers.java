package io.tinyfleet.runtime.session;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Chooses execution providers: the intersection of a preference list (from a device profile) and
 * what this ONNX Runtime build reports in {@link OrtEnvironment#getAvailableProviders()}, in
 * preference order, with CPU last as the fallback.
 */
public final class Providers {

    private Providers() {
    }

    /** The providers this ONNX Runtime build has. */
    public static EnumSet<OrtProvider> available() {
        return OrtEnvironment.getAvailableProviders();
    }

    /**
     * Maps a profile name ({@code CUDA}, {@code TensorRT}, {@code XNNPACK}...) or an ORT name
     * ({@code CUDAExecutionProvider}) to the provider.
     *
     * @throws IllegalArgumentException for a name no ONNX Runtime build knows
     */
    public static OrtProvider parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace("executionprovider", "").replace("-", "").replace("_", "");
        for (OrtProvider p : OrtProvider.values()) {
            String short1 = p.name().toLowerCase(Locale.ROOT).replace("_", "");
            String short2 = p.getName().toLowerCase(Locale.ROOT).replace("executionprovider", "");
            if (n.equals(short1) || n.equals(short2)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown execution provider '" + name + "'");
    }

    /** The providers to use, in order: preferred and available, then CPU. */
    public static List<OrtProvider> choose(List<String> preference, Set<OrtProvider> available) {
        LinkedHashSet<OrtProvider> out = new LinkedHashSet<>();
        for (String name : preference) {
            OrtProvider p = parse(name);
            if (available.contains(p)) {
                out.add(p);
            }
        }
        out.remove(OrtProvider.CPU);
        out.add(OrtProvider.CPU);
        return new ArrayList<>(out);
    }

    /** Appends the non-CPU providers to the options (CPU is ORT's implicit fallback). */
    static void apply(SessionOptions opts, List<OrtProvider> chosen) throws OrtException {
        for (OrtProvider p : chosen) {
            switch (p) {
                case CPU -> { }
                case CUDA -> opts.addCUDA();
                case TENSOR_RT -> opts.addTensorrt(0);
                case ROCM -> opts.addROCM();
                case DNNL -> opts.addDnnl(true);
                case OPEN_VINO -> opts.addOpenVINO("");
                case ACL -> opts.addACL(true);
                case ARM_NN -> opts.addArmNN(true);
                case CORE_ML -> opts.addCoreML();
                case NNAPI -> opts.addNnapi();
                case XNNPACK -> opts.addXnnpack(Map.of());
                case QNN -> opts.addQnn(Map.of());
                default -> throw new IllegalArgumentException("execution provider " + p.getName()
                        + " is available but TinyFleet cannot configure it");
            }
        }
    }
}
