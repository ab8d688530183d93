package io.tinyfleet.runtime.session;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.profile.MemoryCap;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link ModelRuntime} configures ONNX Runtime.
 *
 * @param intraOpThreads     threads inside one operator (&ge; 1). With more than one, spinning is
 *                           switched off: on small machines spinning threads steal the cores they wait for
 * @param optLevel           graph optimisation level
 * @param executionProviders preference order, e.g. {@code [CUDA, CPU]}; names as in device profiles
 *                           ({@code CPU, CUDA, TensorRT, XNNPACK, DNNL, OpenVINO, ACL, ArmNN, ROCm, CoreML,
 *                           NNAPI, QNN}) or ORT's own ({@code CUDAExecutionProvider}). Providers this
 *                           ONNX Runtime build lacks are skipped; CPU is always the fallback
 * @param profilingPrefix    when not null, ORT's profiler writes a Chrome-trace JSON starting with this path
 * @param memoryCap          when not null, models are refused before and after loading when this process would
 *                           not fit in it, and ORT's CPU arena and memory-pattern pre-allocation are off so native
 *                           memory is freed rather than hoarded (see {@link MemoryCap})
 */
public record RuntimeOptions(int intraOpThreads, OptLevel optLevel, List<String> executionProviders,
                             Path profilingPrefix, MemoryCap memoryCap) {

    /** Validates and copies. */
    public RuntimeOptions {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + intraOpThreads);
        }
        Objects.requireNonNull(optLevel, "optLevel");
        executionProviders = List.copyOf(executionProviders);
    }

    /** Without a memory cap. */
    public RuntimeOptions(int intraOpThreads, OptLevel optLevel, List<String> executionProviders, Path profilingPrefix) {
        this(intraOpThreads, optLevel, executionProviders, profilingPrefix, null);
    }

    /** One thread, all optimisations, CPU: the reproducible default of benchmarks. */
    public static RuntimeOptions defaults() {
        return new RuntimeOptions(1, OptLevel.ALL_OPT, List.of("CPU"), null);
    }

    /** The device profile's providers and thread count. */
    public static RuntimeOptions forProfile(DeviceProfile profile) {
        return new RuntimeOptions(profile.onnxruntime().intraOpThreads(), OptLevel.ALL_OPT,
                profile.onnxruntime().executionProviders(), null);
    }

    /** A copy with {@code n} intra-op threads. */
    public RuntimeOptions withThreads(int n) {
        return new RuntimeOptions(n, optLevel, executionProviders, profilingPrefix, memoryCap);
    }

    /** A copy with another optimisation level. */
    public RuntimeOptions withOptLevel(OptLevel level) {
        return new RuntimeOptions(intraOpThreads, level, executionProviders, profilingPrefix, memoryCap);
    }

    /** A copy with another provider preference. */
    public RuntimeOptions withProviders(List<String> providers) {
        return new RuntimeOptions(intraOpThreads, optLevel, providers, profilingPrefix, memoryCap);
    }

    /** A copy that profiles into files starting with {@code prefix} (null: no profiling). */
    public RuntimeOptions withProfiling(Path prefix) {
        return new RuntimeOptions(intraOpThreads, optLevel, executionProviders, prefix, memoryCap);
    }

    /** A copy that keeps this process within {@code cap} (null: no cap). */
    public RuntimeOptions withMemoryCap(MemoryCap cap) {
        return new RuntimeOptions(intraOpThreads, optLevel, executionProviders, profilingPrefix, cap);
    }
}
