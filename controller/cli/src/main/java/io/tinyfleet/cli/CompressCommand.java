package io.tinyfleet.cli;

import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.pipeline.EvaluatorMeasurer;
import io.tinyfleet.compression.pipeline.Metrics;
import io.tinyfleet.compression.pipeline.ModelMeasurer;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.pipeline.StepRecord;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyfleet compress}: runs a compression pipeline on a model, measures the input and the
 * output the same way (accuracy, file and wire bytes, parameters, MACs, p50 latency at batch 1) and
 * writes the output with its provenance.
 */
@Command(name = "compress", mixinStandardHelpOptions = true, usageHelpWidth = 110, // the step table is laid out for it
        description = {"Compress an ONNX model with a pipeline of techniques and report before/after figures.",
                "",
                "Pipeline text: steps joined by '>', e.g.",
                "  'prune:sparsity=0.8,finetune=1 > cluster:k=16 > quantize:int8'",
                "or a YAML file (a list of such steps) given as @FILE or a path ending in .yaml/.yml.",
                "Steps:",
                "  quantize:int8[,method=minmax|percentile|entropy][,layers=all|fast]",
                "                                                    static int8 QDQ, per-channel weights;",
                "                                                    layers=fast keeps slow-in-int8 convs float",
                "  quantize:dynamic[,reduce_range=true|false]        dynamic int8 for MatMul/Gemm; 7-bit weights by",
                "                                                    default (no overflow on CPUs without VNNI)",
                "  quantize:fp16                                     fp16 weights (file halves; CPU computes fp32)",
                "  quantize:int4[,block=32]                          weight-only int4 blocks (MatMulNBits)",
                "  quantize:mixed,budget=0.5                         int8 except the most sensitive layers",
                "  prune:sparsity=0.8[,scope=layer|global|lamp][,finetune=N][,steps=S][,distil=true|false][,lr=0.002]",
                "         [,teacher=input|PATH.onnx]",
                "                                                    steps=S: gradual, fine-tune N after each step;",
                "                                                    distil=true: from the unpruned model, or from",
                "                                                    the teacher=PATH file (e.g. a larger model);",
                "                                                    lamp: layer-adaptive scores (Lee et al. 2021)",
                "  prune-channels:ratio=0.5[,criterion=l1|l2|bn][,finetune=N][,distil=true|false][,lr=0.004]",
                "         [,compensate=true|false][,align=N][,teacher=input|PATH.onnx]",
                "                                                    fine-tune distils from the unpruned model",
                "                                                    (or the teacher=PATH file);",
                "                                                    follows residual Adds (both sides lose the same",
                "                                                    channels) and channel Concats;",
                "                                                    align=N: keep multiples of N (16: AVX-512 NCHWc)",
                "  lowrank:rank=R | lowrank:energy=0.9 | lowrank:ratio=0.5",
                "  cluster:k=16[,finetune=N][,encoding=dense|sparse][,biases=false|true]",
                "                                                    sparse: non-zeros only, as relative indices;",
                "                                                    biases=true: share the biases too",
                "  distill[:student=same|mlp|lenet5|mobile|PATH.onnx][,width=W][,depth=D][,budget=0.25][,epochs=N]",
                "         [,temperature=T][,alpha=A][,labels=false][,teacher=PATH.onnx]",
                "                                                    knowledge distillation (needs --data); width=0:",
                "                                                    widest student within budget x teacher params;",
                "                                                    PATH: your own student ONNX; teacher=PATH:",
                "                                                    the file teaches, the input model learns",
                "                                                    (a pruned one keeps its zeros)",
                "Use --techniques for every field with its range and default."})
public final class CompressCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "ONNX model to compress.")
    Path model;

    @Option(names = "--pipeline", paramLabel = "SPEC", description = "Pipeline text, @FILE, or a .yaml/.yml file.")
    String pipeline;

    @Option(names = "--data", paramLabel = "D",
            description = "Dataset (fashion-mnist or a folder of IDX files): the training split calibrates and "
                    + "fine-tunes, the test split measures accuracy and reaches no technique. When a step chooses by "
                    + "accuracy (quantize:mixed), the last 5,000 training images are held out for it. Without "
                    + "data, calibration uses random inputs.")
    String data;

    @Option(names = "--out", paramLabel = "OUT.onnx", description = "Where to write the compressed model. When a step fails, "
            + "the output of the steps before it is kept in OUT.partial.onnx.")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--eval-limit", defaultValue = "0",
            description = "Evaluate accuracy on the first N test images (default: all).")
    int evalLimit;

    @Option(names = "--runs", defaultValue = "100", description = "Timed runs for latency (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--calibration", defaultValue = "256",
            description = "Calibration/sensitivity images from the training split (default: ${DEFAULT-VALUE}).")
    int calibration;

    @Option(names = "--scale", description = "Pixel scale (default 1/255; 1 for models taking raw 0..255 pixels).")
    Float scale;

    @Option(names = "--mean", defaultValue = "0", description = "Subtracted after scaling (default: ${DEFAULT-VALUE}).")
    float mean;

    @Option(names = "--std", defaultValue = "1", description = "Divides after subtracting the mean (default: ${DEFAULT-VALUE}).")
    float std;

    @Option(names = "--no-measure", description = "Skip before/after measurements (faster).")
    boolean noMeasure;

    @Option(names = "--techniques", description = "List every technique with its fields and exit.")
    boolean techniques;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TechniqueRegistry registry = TechniqueRegistry.standard();
        if (techniques) {
            System.out.print(registry.help());
            return 0;
        }
        if (model == null) {
            throw new IllegalArgumentException("no MODEL given");
        }
        if (pipeline == null) {
            throw new IllegalArgumentException("no --pipeline given (e.g. --pipeline 'prune:sparsity=0.8 > quantize:int8')");
        }
        if (out == null) {
            throw new IllegalArgumentException("no --out given");
        }
        Pipeline p = Pipeline.parse(readSpec(pipeline), registry);
        OnnxModel input = OnnxModel.load(model);
        Preprocessing pre = new Preprocessing(scale != null ? scale : Preprocessing.DEFAULT.scale(), mean, std);
        LabeledImages train = null;
        LabeledImages test = null;
        if (data != null) {
            train = LabeledImages.load(data, Split.TRAIN);
            test = LabeledImages.load(data, Split.TEST);
        }
        TechniqueContext ctx = TechniqueContext.onTrainingSplit(seed, data == null ? "none" : data, train,
                p.choosesOnValidation(), pre, calibration, progress(), io.tinyfleet.compression.FineTuners.standard());
        if (ctx.validation() != null) {
            System.err.printf("compress holding the last %,d training images out of fine-tuning and calibration:"
                    + " a step chooses by accuracy on them%n", ctx.validation().count());
        }
        ModelMeasurer measurer = noMeasure ? ModelMeasurer.NONE
                : new EvaluatorMeasurer(test, data, pre, evalLimit, runs);
        Pipeline.Result r;
        try {
            r = p.run(input, ctx, measurer, line -> System.err.println("compress " + line));
        } catch (Pipeline.StepFailedException e) {
            throw keepCompleted(e);
        }
        r.model().save(out);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", model.toString());
        report.put("out", out.toString());
        report.put("pipeline", p.toText());
        report.put("id", r.outputId());
        report.put("seed", seed);
        report.put("data", data);
        List<StepRecord> steps = r.steps();
        report.put("before", steps.get(0).before());
        report.put("after", steps.get(steps.size() - 1).after());
        report.put("steps", steps);
        Map<String, Object> summary = summary(steps.get(0).before(), steps.get(steps.size() - 1).after());
        report.put("summary", summary);
        if (json) {
            Json.print(System.out, report);
        } else {
            printText(p, steps);
            summary.forEach((k, v) -> System.out.println(k + ": " + v));
        }
        return 0;
    }

    /**
     * Saves what the steps before a failed one produced next to {@code --out} ({@code NAME.partial.onnx}) so
     * that minutes of fine-tuning are not lost, and says where it is in the error.
     */
    private IllegalStateException keepCompleted(Pipeline.StepFailedException e) {
        Pipeline.Result done = e.completed();
        if (done == null) {
            return e;
        }
        String name = out.getFileName().toString();
        Path partial = out.resolveSibling((name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name)
                + ".partial.onnx");
        try {
            done.model().save(partial);
        } catch (RuntimeException saveFailed) {
            return new IllegalStateException(e.getMessage() + "; the output of the steps before it could not be kept: "
                    + saveFailed.getMessage(), e);
        }
        int n = done.steps().size();
        return new IllegalStateException(e.getMessage() + "; the output of step" + (n == 1 ? " 1" : "s 1-" + n)
                + " is kept in " + partial + " (its provenance records them): run the remaining steps on it", e);
    }

    /** Output over input ratios, accuracy change in points, and plain warnings when the output is slower or worse. */
    static Map<String, Object> summary(Metrics before, Metrics after) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (before == null || after == null) {
            return s;
        }
        s.put("fileRatio", ratio(after.fileBytes(), before.fileBytes()));
        if (after.wireBytes() != null && before.wireBytes() != null) {
            s.put("wireRatio", ratio(after.wireBytes(), before.wireBytes()));
        }
        if (after.latencyMs() != null && before.latencyMs() != null) {
            double r = ratio(after.latencyMs(), before.latencyMs());
            s.put("latencyRatio", r);
            if (r > 1.05) {
                s.put("latencyWarning", "the output runs slower than the input (" + after.latencyMs() + " ms vs "
                        + before.latencyMs() + " ms at batch 1): a smaller file is not a faster model");
            }
        }
        if (after.accuracy() != null && before.accuracy() != null) {
            s.put("accuracyChangePoints", Math.round((after.accuracy() - before.accuracy()) * 1e5) / 1e3);
        }
        return s;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : Math.round(a / b * 1e4) / 1e4;
    }

    private static String readSpec(String spec) throws java.io.IOException {
        String s = spec.strip();
        if (s.startsWith("@")) {
            return Files.readString(Path.of(s.substring(1)));
        }
        if ((s.endsWith(".yaml") || s.endsWith(".yml")) && !s.contains(":")) {
            return Files.readString(Path.of(s));
        }
        return s;
    }

    private static io.tinyfleet.compression.Progress progress() {
        long[] last = {0};
        return (what, fraction) -> {
            long now = System.nanoTime();
            if (fraction >= 1 || now - last[0] > 2_000_000_000L) {
                last[0] = now;
                System.err.printf("compress   %s: %d%%%n", what, Math.round(fraction * 100));
            }
        };
    }

    private void printText(Pipeline p, List<StepRecord> steps) {
        System.out.println("pipeline: " + p.toText());
        System.out.printf("%-28s %10s %12s %12s %12s %14s %10s%n", "", "accuracy", "fileBytes", "wireBytes",
                "parameters", "macs", "latencyMs");
        row("input", steps.get(0).before());
        for (StepRecord s : steps) {
            row(s.index() + ". " + abbreviate(s.step()), s.after());
        }
        for (StepRecord s : steps) {
            for (String n : s.notes()) {
                System.out.println("note (" + s.index() + ". " + s.technique() + "): " + n);
            }
        }
        System.out.println("wrote " + out);
    }

    private static String abbreviate(String s) {
        return s.length() <= 25 ? s : s.substring(0, 24) + "~";
    }

    private static void row(String label, Metrics m) {
        if (m == null) {
            System.out.printf("%-28s (not measured)%n", label);
            return;
        }
        System.out.printf("%-28s %10s %12d %12s %12d %14s %10s%n", label,
                m.accuracy() == null ? "-" : String.format("%.4f", m.accuracy()), m.fileBytes(),
                m.wireBytes() == null ? "-" : m.wireBytes().toString(), m.parameters(),
                m.macs() == null ? "-" : m.macs().toString(),
                m.latencyMs() == null ? "-" : String.format("%.4f", m.latencyMs()));
    }

}
