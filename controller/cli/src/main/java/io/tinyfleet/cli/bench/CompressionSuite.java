package io.tinyfleet.cli.bench;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.FineTuners;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.arch.ArchSpec;
import io.tinyfleet.compression.arch.Architectures;
import io.tinyfleet.compression.pipeline.EvaluatorMeasurer;
import io.tinyfleet.compression.pipeline.Metrics;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.pipeline.StepRecord;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.runtime.bench.EvalOptions;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.bench.LatencyStats;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 5 targets, measured on the Fashion-MNIST models the project trains
 * ({@code bench-results/models/{mlp,lenet5,mobile}.onnx}; trained here through the trainer when absent):
 * static int8 on {@code mobile} (latency at batch 1 &le; 0.40x fp32 in the same run, accuracy within
 * 0.5 point); 50 % channel pruning + 2 epochs of fine-tuning on {@code mobile} and {@code lenet5}
 * (&ge; 1.6x faster, within 1 point); prune + cluster + int8 on {@code mlp} and {@code lenet5}
 * (&ge; 30x smaller {@code wireBytes} than the fp32 file, &le; 0.5 point lost).
 */
public final class CompressionSuite implements BenchSuite {

    @Override
    public String name() {
        return "compression";
    }

    @Override
    public String description() {
        return "issue 5: int8 latency on mobile, channel-pruning speed-up, prune>cluster>int8 wire size";
    }

    @Override
    public Map<String, Object> run(BenchOptions o) throws Exception {
        LabeledImages train = LabeledImages.load(o.data(), Split.TRAIN);
        LabeledImages test = LabeledImages.load(o.data(), Split.TEST);
        int evalLimit = o.quick() ? 2000 : 0;
        int runs = o.quick() ? 100 : 300;
        int tuneEpochs = o.quick() ? 1 : 2;
        Preprocessing pre = Preprocessing.DEFAULT;
        // No step here chooses by accuracy, so nothing is held out (TechniqueContext#onTrainingSplit).
        TechniqueContext ctx = TechniqueContext.onTrainingSplit(o.seed(), o.data(), train, false, pre, 256,
                (what, f) -> { }, FineTuners.standard());
        EvaluatorMeasurer measurer = new EvaluatorMeasurer(test, o.data(), pre, evalLimit, runs);
        Path modelsDir = o.workDir().toAbsolutePath().getParent().getParent().resolve("models");

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("evalSamples", evalLimit == 0 ? test.count() : evalLimit);
        out.put("latencyRuns", runs);
        out.put("ratioRounds", o.quick() ? 3 : LATENCY_ROUNDS);
        out.put("fineTuneEpochs", tuneEpochs);
        Map<String, Object> models = new LinkedHashMap<>();
        Map<String, OnnxModel> loaded = new LinkedHashMap<>();
        for (String arch : List.of("mobile", "lenet5", "mlp")) {
            Path f = modelsDir.resolve(arch + ".onnx");
            if (Files.isRegularFile(f)) {
                loaded.put(arch, OnnxModel.load(f));
                models.put(arch, f.toString());
            } else if (o.quick() && arch.equals("mobile")) {
                models.put(arch, "missing: " + f + " (quick runs do not train the mobile CNN; run tinyfleet train or "
                        + "the full suite)");
            } else {
                ArchSpec spec = ArchSpec.of(arch);
                int epochs = o.quick() ? 2 : Architectures.defaultEpochs(spec);
                System.err.println("compression: " + f + " missing, training " + arch + " for " + epochs + " epoch(s)");
                OnnxModel m = Trainer.train(Architectures.build(spec, o.seed()),
                        Architectures.defaults(spec, epochs, o.seed()).build(), train, null, pre).trained();
                Path saved = o.workDir().resolve(arch + ".onnx");
                m.save(saved);
                loaded.put(arch, m);
                models.put(arch, saved + " (trained here, " + epochs + " epochs)");
            }
        }
        out.put("models", models);

        List<Object> targets = new ArrayList<>();
        for (String arch : List.of("mobile", "lenet5")) {
            for (String method : List.of("minmax", "entropy")) {
                targets.add(target("int8 static QDQ on " + arch + (arch.equals("mobile") ? "" : " (reference)"),
                        loaded.get(arch), arch, "quantize:int8,method=" + method + ",layers=fast", ctx, measurer, o,
                        Target.INT8));
            }
        }
        for (String arch : List.of("mobile", "lenet5")) {
            targets.add(target("50% channel pruning + " + tuneEpochs + " epoch(s) of fine-tune on " + arch, loaded.get(arch),
                    arch, CHANNEL_CHAINS.get(arch).formatted(tuneEpochs), ctx, measurer, o, Target.CHANNELS));
        }
        Path teacher = modelsDir.resolve("mobile.onnx");
        for (String arch : List.of("mlp", "lenet5")) {
            String chain = o.quick() ? QUICK_WIRE_CHAIN
                    : arch.equals("lenet5") && Files.isRegularFile(teacher) ? LENET5_TEACHER_CHAIN.formatted(teacher)
                    : WIRE_CHAINS.get(arch);
            targets.add(target("prune + cluster + quantize on " + arch, loaded.get(arch), arch, chain, ctx, measurer,
                    o, Target.WIRE));
        }
        out.put("targets", targets);
        return out;
    }

    private enum Target { INT8, CHANNELS, WIRE }

    /**
     * The prune + cluster + quantize chain per model: gradual magnitude pruning with fine-tuning
     * between steps (Zhu and Gupta 2017), k-means sharing with the centroids fine-tuned and the weights
     * stored sparse (relative indices, Deep Compression), fp16 for what stays float (codebooks, biases).
     * Wire sizes with the large initializers in zstd blocks of their own ({@code WireSize}): MLP chain
     * below 30,464 B = 35.0x at -0.39 (seed 42); LeNet-5 chain below 7,534 B = 33.0x on seed 42, at
     * -0.60/-0.49/-0.40 over seeds 42/43/44 (mean -0.50); the same at sparsity 0.92 8,062/8,092/8,072 B
     * = 30.7-30.8x at -0.40/-0.63/-0.50 (mean -0.51). Both hold 30x within half a point on two seeds of
     * three; 0.93 keeps the size margin, and the bench's seed 42 misses by 0.1 point.
     * Earlier, in one zstd block: MLP 34,675 B = 30.8x; LeNet-5 at global 0.92 without distillation or
     * shared biases 9,162 B = 27.1x (-0.33); the LeNet-5 chain below 8,226/8,242/8,259 B = 30.1-30.2x;
     * without biases=true 8,444-8,491 B = 29.3-29.4x at -0.48/-0.46/-0.46; scope=lamp with biases=true
     * 7,897-7,911 B = 31.4-31.5x at -0.64/-0.39/-0.58; steps=12,finetune=1 8,299/8,373/8,307 B =
     * 29.7-30.0x at -0.39/-0.50/-0.53; lamp at 0.92 8,553 B = 29.1x at -0.44; lamp at 0.925 8,252 B =
     * 30.1x at -0.90 (its clustering step lost 0.43); centroid fine-tuning for 4 epochs instead of 2
     * changed nothing. With {@code mobile} present the LeNet-5 chain is {@link #LENET5_TEACHER_CHAIN}.
     */
    static final Map<String, String> WIRE_CHAINS = Map.of(
            "mlp", "prune:sparsity=0.9,scope=global,steps=4,finetune=3 > " + SearchSuite.WIRE_CLUSTER
                    + " > quantize:fp16",
            "lenet5", "prune:sparsity=0.93,scope=global,steps=4,finetune=3,distil=true > " + SearchSuite.WIRE_CLUSTER
                    + ",biases=true > quantize:fp16");
    /**
     * The LeNet-5 chain with the pruning fine-tune distilled from the {@code mobile} CNN ({@code %s}: its
     * file) instead of from the unpruned LeNet-5: 7,584/7,618/7,642 B = 32.5-32.8x at -0.27/-0.27/0.00
     * over seeds 42/43/44 (mean -0.18, against -0.50), so 30x within half a point holds on all three.
     */
    static final String LENET5_TEACHER_CHAIN = "prune:sparsity=0.93,scope=global,steps=4,finetune=3,distil=true,"
            + "teacher=%s > " + SearchSuite.WIRE_CLUSTER + ",biases=true > quantize:fp16";
    /**
     * The channel-pruning step per model ({@code %d}: the fine-tune epochs). On {@code mobile} (seed 42, full
     * test set, 2 epochs) removing half the channels of every layer, the residual group included, lost 1.40
     * points; {@code align=16} then keeps the stem's 16 channels whole (halved to 8 it ran no faster;
     * AVX-512 NCHWc kernels work in blocks of 16 channels) and lost 1.19 (seeds 43/44: 0.98, 1.02); with
     * {@code compensate=true} as well 0.89/0.93/0.82 over seeds 42/43/44. Leaving the residual group whole
     * (version 3) lost 0.79-0.99 but ran only 1.4-1.5x faster. This bench on the AVX-512 machine, three
     * runs: 1.84x, 1.93x and 1.97x faster at ALL (1.91x at EXTENDED in the first two), 0.30x the MACs,
     * 48.9 % of the channels removed, -0.89. {@code align} does not suit LeNet-5, whose layers have 6 and
     * 16 channels (there: 1.29-1.38x, -1.10).
     */
    static final Map<String, String> CHANNEL_CHAINS = Map.of(
            "mobile", "prune-channels:ratio=0.5,criterion=l2,finetune=%d,compensate=true,align=16",
            "lenet5", "prune-channels:ratio=0.5,criterion=l2,finetune=%d");
    /** The same chain with one fine-tune epoch, for {@code --quick}. */
    static final String QUICK_WIRE_CHAIN = "prune:sparsity=0.9,scope=global,finetune=1 > cluster:k=16,finetune=1,"
            + "encoding=sparse > quantize:fp16";

    private static Map<String, Object> target(String what, OnnxModel model, String arch, String spec,
                                              TechniqueContext ctx, EvaluatorMeasurer measurer, BenchOptions o,
                                              Target kind) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("target", what);
        t.put("model", arch);
        t.put("pipeline", spec);
        if (model == null) {
            t.put("met", null);
            t.put("error", "model " + arch + " is missing (see models)");
            return t;
        }
        long t0 = System.nanoTime();
        try {
            Pipeline p = Pipeline.parse(spec, TechniqueRegistry.standard());
            Pipeline.Result r = p.run(model, ctx, measurer, line -> System.err.println("compression " + arch + " " + line));
            r.model().save(o.workDir().resolve(arch + "-" + kind.name().toLowerCase() + ".onnx"));
            List<StepRecord> steps = r.steps();
            Metrics before = steps.get(0).before();
            Metrics after = steps.get(steps.size() - 1).after();
            t.put("before", before);
            t.put("after", after);
            double drop = (before.accuracy() - after.accuracy()) * 100;
            t.put("accuracyDropPoints", round(drop));
            switch (kind) {
                case INT8 -> {
                    // fp32 and int8 timed alternately at each level (random inputs, batch 1, 1 thread); the goal is
                    // judged at ALL, where fp32 gets ORT's NCHWc kernels; at EXTENDED (the portable level) fp32 has
                    // no NCHWc kernels, so that ratio flatters int8: reported, never judged
                    Latencies all = alternateLatency(model, r.model(), o, OptLevel.ALL_OPT);
                    Latencies ext = alternateLatency(model, r.model(), o, OptLevel.EXTENDED_OPT);
                    double ratio = all.ratio();
                    t.put("latencyRatio", round(ratio));
                    t.put("allOptLatencyMs", Map.of("fp32", all.a(), "int8", all.b()));
                    t.put("extendedOptLatencyMs", Map.of("fp32", ext.a(), "int8", ext.b()));
                    t.put("latencyRatioAtExtendedOpt", round(ext.ratio()));
                    t.put("fp32ExtendedOverAll", round(ext.a() / all.a()));
                    t.put("goal", "latencyRatio <= 0.40 and accuracyDropPoints <= 0.5 (latency p50 at batch 1, fp32 and "
                            + "int8 both at ORT level ALL)");
                    t.put("met", ratio <= 0.40 && drop <= 0.5);
                }
                case CHANNELS -> {
                    // before and after were measured minutes apart (fine-tuning in between) on a shared machine:
                    // time both again, alternately, for the ratio
                    Latencies all = alternateLatency(model, r.model(), o, OptLevel.ALL_OPT);
                    t.put("allOptLatencyMs", Map.of("fp32", all.a(), "pruned", all.b()));
                    double speedup = 1 / all.ratio();
                    t.put("speedup", round(speedup));
                    t.put("macsRatio", after.macs() == null || before.macs() == null ? null
                            : round((double) after.macs() / before.macs()));
                    t.put("channelsRemoved", channelsRemoved(steps.get(0).stats()));
                    t.put("goal", "speedup >= 1.6 and accuracyDropPoints <= 1 (latency p50 at batch 1, ORT level ALL)");
                    t.put("met", speedup >= 1.6 && drop <= 1);
                    // at ALL, ORT runs convs in NCHWc blocks and pads channel counts up to the block size,
                    // which hides part of the removed channels; EXTENDED is the portable level
                    Latencies ext = alternateLatency(model, r.model(), o, OptLevel.EXTENDED_OPT);
                    t.put("extendedOptLatencyMs", Map.of("fp32", ext.a(), "pruned", ext.b()));
                    t.put("speedupAtExtendedOpt", round(1 / ext.ratio()));
                }
                case WIRE -> {
                    double ratio = (double) before.fileBytes() / after.wireBytes();
                    t.put("fp32FileOverWireBytes", round(ratio));
                    t.put("goal", "fp32 fileBytes / wireBytes >= 30 and accuracyDropPoints <= 0.5");
                    t.put("met", ratio >= 30 && drop <= 0.5);
                }
                default -> throw new IllegalStateException();
            }
            List<Object> stepSummaries = new ArrayList<>();
            for (StepRecord s : steps) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("step", s.step());
                m.put("after", s.after());
                m.put("millis", s.millis());
                m.put("notes", s.notes());
                stepSummaries.add(m);
            }
            t.put("steps", stepSummaries);
        } catch (RuntimeException e) {
            t.put("met", false);
            t.put("error", e.getMessage());
        }
        t.put("seconds", round((System.nanoTime() - t0) / 1e9));
        return t;
    }

    /**
     * Fraction of the prunable layers' channels a {@code prune-channels} step removed: the layers whose
     * record has {@code channels}, those {@code align} kept whole included; layers it could not prune (a
     * graph output, an op it does not follow) have none and are left out.
     */
    static double channelsRemoved(Map<String, Object> stats) {
        long total = 0;
        long kept = 0;
        if (stats.get("layers") instanceof Map<?, ?> layers) {
            for (Object v : layers.values()) {
                if (v instanceof Map<?, ?> layer && layer.get("channels") instanceof Number c) {
                    total += c.longValue();
                    kept += ((Number) layer.get("kept")).longValue();
                }
            }
        }
        return total == 0 ? 0 : round(1 - (double) kept / total);
    }

    /** Rounds of {@link #alternateLatency}: the paired ratio's median needs several on a shared machine. */
    static final int LATENCY_ROUNDS = 9;

    /**
     * Medians of both models' p50 batch-1 latencies and of their ratio b/a per round, over rounds that time
     * both models back to back (a first in even rounds, b first in odd ones), each in a fresh session at
     * {@code level} (random inputs, one thread, 2,000 runs). The ratio is paired, so a slow spell of the
     * machine moves both of its figures. The median of 3 unpaired rounds of 1,000 runs gave the mobile
     * channel-pruning speed-up as 1.66 and 1.44 in two runs of the same code; 9 paired rounds in this
     * order gave 1.53 and 1.52 (1.87 and 1.85 at EXTENDED), while the fp32 model's own p50 moved between
     * 0.031 and 0.043 ms from run to run.
     */
    private static Latencies alternateLatency(OnnxModel a, OnnxModel b, BenchOptions o, OptLevel level) {
        int rounds = o.quick() ? 3 : LATENCY_ROUNDS;
        var ext = EvalOptions.random().withRuns(20, o.quick() ? 300 : 2000)
                .withRuntime(io.tinyfleet.runtime.session.RuntimeOptions.defaults().withOptLevel(level));
        double[] sa = new double[rounds];
        double[] sb = new double[rounds];
        double[] ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            // odd rounds time b first, so that going first or second biases neither model
            if (i % 2 == 1) {
                sb[i] = Evaluator.evaluate(b, ext).p50Ms();
            }
            sa[i] = Evaluator.evaluate(a, ext).p50Ms();
            if (i % 2 == 0) {
                sb[i] = Evaluator.evaluate(b, ext).p50Ms();
            }
            ratio[i] = sb[i] / sa[i];
        }
        return new Latencies(LatencyStats.of(sa).p50(), LatencyStats.of(sb).p50(), LatencyStats.of(ratio).p50());
    }

    /** Median latencies (ms) of models a and b, and the median of their per-round ratio b/a. */
    private record Latencies(double a, double b, double ratio) {
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
