package io.tinyfleet.runtime.session;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.profile.MemoryCap;
import io.tinyfleet.runtime.profile.MemoryCapExceededException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One model loaded into ONNX Runtime: owns its {@link SessionOptions} and {@link OrtSession} and
 * closes them in that order reversed (session first, then options). Not thread-safe to close while
 * {@link #run} is in flight: closing during {@code run()} crashes the JVM, so callers that swap models
 * close the old runtime only after in-flight calls finish.
 *
 * <p>Before anything reaches ONNX Runtime, {@link #checkRunnable} refuses nodes of custom operator
 * domains (e.g. {@code ai.onnx.contrib} of onnxruntime-extensions) with a message naming the domain
 * and the ops, instead of ORT's native error.
 */
public final class ModelRuntime implements AutoCloseable {

    /** Operator domains the standard ONNX Runtime CPU build implements. */
    public static final Set<String> BUILT_IN_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft",
            "com.microsoft.nchwc", "com.microsoft.experimental", "com.ms.internal.nhwc", "ai.onnx.preview.training");

    private final OnnxModel model;
    private final SessionOptions options;
    private final OrtSession session;
    private final List<OrtProvider> providers;
    private final RuntimeOptions runtimeOptions;
    private final double loadMillis;
    private boolean closed;

    private ModelRuntime(OnnxModel model, SessionOptions options, OrtSession session, List<OrtProvider> providers,
                         RuntimeOptions runtimeOptions, double loadMillis) {
        this.model = model;
        this.options = options;
        this.session = session;
        this.providers = providers;
        this.runtimeOptions = runtimeOptions;
        this.loadMillis = loadMillis;
    }

    /**
     * Loads {@code model} into a new session.
     *
     * @throws IllegalArgumentException when the model uses custom-domain ops or ONNX Runtime refuses it
     *                                  (one line naming the model and ORT's reason)
     * @throws MemoryCapExceededException when {@code ro} has a memory cap and the model would not fit
     *                                  (estimated before loading) or does not (measured after loading)
     */
    public static ModelRuntime open(OnnxModel model, RuntimeOptions ro) {
        checkRunnable(model);
        List<OrtProvider> chosen = Providers.choose(ro.executionProviders(), Providers.available());
        MemoryCap cap = ro.memoryCap();
        long rssBefore = -1;
        if (cap != null) {
            Ort.env(); // the native library counts in the RSS the cap starts from
            rssBefore = cap.checkBeforeLoad(model);
        }
        SessionOptions opts = new SessionOptions();
        try {
            opts.setIntraOpNumThreads(ro.intraOpThreads());
            opts.setInterOpNumThreads(1);
            if (ro.intraOpThreads() > 1) {
                opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            opts.setOptimizationLevel(ro.optLevel());
            for (var e : sessionConfig(model).entrySet()) {
                opts.addConfigEntry(e.getKey(), e.getValue());
            }
            if (cap != null) {
                // under a cap, freed native memory goes back to the allocator instead of staying in ORT's arena
                opts.setCPUArenaAllocator(false);
                opts.setMemoryPatternOptimization(false);
            }
            if (ro.profilingPrefix() != null) {
                opts.enableProfiling(ro.profilingPrefix().toString());
            }
            Providers.apply(opts, chosen);
            byte[] bytes = model.toBytes();
            var env = Ort.env(); // loads the native library on first use: not part of the model's load time
            long t0 = System.nanoTime();
            OrtSession s = env.createSession(bytes, opts);
            double ms = (System.nanoTime() - t0) / 1e6;
            if (cap != null) {
                try {
                    cap.checkLoaded(model, rssBefore);
                } catch (MemoryCapExceededException e) {
                    s.close();
                    throw e;
                }
            }
            return new ModelRuntime(model, opts, s, List.copyOf(chosen), ro, ms);
        } catch (OrtException e) {
            opts.close();
            throw new IllegalArgumentException("ONNX Runtime cannot load " + model.origin() + ": " + firstLine(e), e);
        } catch (RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    /**
     * Metadata key in which a model asks for ORT's {@code optimization.disable_specified_optimizers}
     * (int4 weight-only models need {@code MatMulAddFusion} disabled to fuse into MatMulNBits; without
     * it they run several times slower than fp32).
     */
    public static final String SESSION_DISABLE_OPTIMIZERS = "tinyfleet.session.disable_specified_optimizers";

    /**
     * ONNX Runtime session settings {@code model} asks for in its {@code metadata_props}, keyed as ORT's
     * config entries; applied by {@link #open} so a model runs, and is measured, as its technique meant.
     * Only settings that change which graph optimisations run are honoured, never resource settings.
     */
    public static Map<String, String> sessionConfig(OnnxModel model) {
        Map<String, String> cfg = new LinkedHashMap<>();
        String disabled = model.metadata().get(SESSION_DISABLE_OPTIMIZERS);
        if (disabled != null && !disabled.isBlank()) {
            cfg.put("optimization.disable_specified_optimizers", disabled.strip());
        }
        return cfg;
    }

    /** One line of an ORT message (they can span several lines with native stack hints). */
    public static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * Refuses a model with nodes (also inside If/Loop/Scan subgraphs) from an operator domain that
     * ONNX Runtime does not implement and the model does not define as a local function.
     *
     * @throws IllegalArgumentException "model X uses custom operator domain 'ai.onnx.contrib' (ops
     *                                  DecodeImage, EncodeImage), which ONNX Runtime cannot run without ..."
     */
    public static void checkRunnable(OnnxModel model) {
        Set<String> local = new TreeSet<>();
        for (FunctionProto f : model.proto().getFunctionsList()) {
            local.add(f.getDomain() + "::" + f.getName());
        }
        Map<String, Set<String>> unknown = new TreeMap<>();
        collectUnknown(model.graph(), local, unknown);
        if (!unknown.isEmpty()) {
            List<String> parts = new ArrayList<>();
            unknown.forEach((d, ops) -> parts.add("'" + d + "' (ops " + String.join(", ", ops) + ")"));
            throw new IllegalArgumentException("model " + model.origin() + " uses custom operator domain "
                    + String.join(" and ", parts) + ", which the standard ONNX Runtime cannot run"
                    + " (it needs a custom-op library such as onnxruntime-extensions)");
        }
    }

    private static void collectUnknown(GraphProto g, Set<String> local, Map<String, Set<String>> unknown) {
        for (NodeProto n : g.getNodeList()) {
            String d = n.getDomain();
            if (!BUILT_IN_DOMAINS.contains(d) && !local.contains(d + "::" + n.getOpType())) {
                unknown.computeIfAbsent(d, k -> new TreeSet<>()).add(n.getOpType());
            }
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    collectUnknown(a.getG(), local, unknown);
                }
                for (GraphProto sub : a.getGraphsList()) {
                    collectUnknown(sub, local, unknown);
                }
            }
        }
    }

    /** The model this runtime runs. */
    public OnnxModel model() {
        return model;
    }

    /** The underlying session (do not close it; close this runtime). */
    public OrtSession session() {
        return session;
    }

    /** Execution providers in use, in priority order (CPU last). */
    public List<OrtProvider> providers() {
        return providers;
    }

    /** The options this runtime was opened with. */
    public RuntimeOptions options() {
        return runtimeOptions;
    }

    /** Milliseconds {@code createSession} took (parsing, optimising, allocating weights). */
    public double loadMillis() {
        return loadMillis;
    }

    /** Inputs the caller must feed (initializers excluded), in model order. */
    public Map<String, NodeInfo> inputs() {
        try {
            return new LinkedHashMap<>(session.getInputInfo());
        } catch (OrtException e) {
            throw new IllegalStateException("cannot read inputs of " + model.origin() + ": " + firstLine(e), e);
        }
    }

    /** Outputs, in model order. */
    public Map<String, NodeInfo> outputs() {
        try {
            return new LinkedHashMap<>(session.getOutputInfo());
        } catch (OrtException e) {
            throw new IllegalStateException("cannot read outputs of " + model.origin() + ": " + firstLine(e), e);
        }
    }

    /**
     * Runs the model. The caller closes the result (try-with-resources) and must not close values
     * taken out of it.
     *
     * @throws IllegalArgumentException with ORT's reason in one line (wrong shape, wrong type...)
     */
    public OrtSession.Result run(Map<String, ? extends OnnxTensor> inputs) {
        if (closed) {
            throw new IllegalStateException("model runtime of " + model.origin() + " is closed");
        }
        try {
            return session.run(inputs);
        } catch (OrtException e) {
            throw new IllegalArgumentException("running " + model.origin() + " failed: " + firstLine(e), e);
        }
    }

    /** Ends profiling and returns the trace file ORT wrote (only if opened with a profiling prefix). */
    public Path endProfiling() {
        if (runtimeOptions.profilingPrefix() == null) {
            throw new IllegalStateException("runtime was not opened with profiling");
        }
        try {
            return Path.of(session.endProfiling());
        } catch (OrtException e) {
            throw new IllegalStateException("cannot end profiling: " + firstLine(e), e);
        }
    }

    /** Closes the session, then its options. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close session of " + model.origin() + ": " + firstLine(e), e);
        } finally {
            options.close();
        }
    }

    /** Names of the providers in use, e.g. {@code [CPUExecutionProvider]}. */
    public List<String> providerNames() {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        providers.forEach(p -> names.add(p.getName()));
        return new ArrayList<>(names);
    }
}
