package io.tinyfleet.compression.distill;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.compression.CompressionTechnique;
import io.tinyfleet.compression.ConfigField;
import io.tinyfleet.compression.ConfigSpec;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.arch.ArchSpec;
import io.tinyfleet.compression.arch.Architectures;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.train.TrainConfig;
import io.tinyfleet.compression.train.TrainResult;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Knowledge distillation (Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural Network",
 * 2015): the input model is the teacher; a narrower or shallower student of a known architecture
 * ({@code mlp}, {@code lenet5}, {@code mobile} with width/depth multipliers) is trained by the
 * project's {@link Trainer} on {@code alpha * T^2 * KL(teacher/T || student/T) + (1 - alpha) * CE}.
 *
 * <p>With {@code labels=false} it distils on unlabelled inputs only ("data-free-ish"): the labels are
 * replaced by zeros before the trainer sees them and alpha is 1, so the teacher's softened outputs
 * are the sole target. Pipeline text: {@code distill:student=lenet5,width=0.5,epochs=3,temperature=4,
 * alpha=0.7,labels=false}; {@code student=same} (the default) takes the teacher's architecture from
 * its {@code tinyfleet.arch} metadata. A student ONNX model of one's own goes through {@link #distil}.
 */
public final class KnowledgeDistillation implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "distill.kd";

    private static final ConfigSpec SPEC = ConfigSpec.of(ID,
            ConfigField.choice("student", "student architecture; same = the teacher's (from its tinyfleet.arch metadata)",
                    "same", "mlp", "lenet5", "mobile"),
            ConfigField.number("width", 0.5, 0, true, 8, false, "width multiplier of the student's hidden layers"),
            ConfigField.integer("depth", 0L, 0, 16, "repeatable blocks of the student (0 = the architecture's default)"),
            ConfigField.integer("epochs", 3L, 1, 200, "training epochs"),
            ConfigField.number("temperature", 4.0, 0, true, 100, false, "softening temperature T"),
            ConfigField.number("alpha", 0.7, 0, false, 1, false, "weight of the soft (teacher) loss; 1 - alpha for labels"),
            ConfigField.bool("labels", true, "false: distil on unlabelled inputs, the teacher as the only target"));

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String step() {
        return "distill";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public String description() {
        return "knowledge distillation into a narrower/shallower student (Hinton et al. 2015), trained with the trainer";
    }

    @Override
    public ConfigSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        List<String> bad = new ArrayList<>(io.tinyfleet.compression.graph.Graphs.customDomainNodes(model));
        List<ValueInfoProto> inputs = model.graph().getInputList().stream()
                .filter(v -> !model.initializers().containsKey(v.getName())).toList();
        if (inputs.size() != 1) {
            bad.add("teacher must have exactly one data input, has " + inputs.size());
        }
        if (model.graph().getOutputCount() < 1) {
            bad.add("teacher has no output");
        }
        if (config.text("student").equals("same") && !model.metadata().containsKey(ARCH_KEY)) {
            bad.add("student=same needs the teacher's architecture in metadata '" + ARCH_KEY
                    + "' (models trained by tinyfleet have it): name one with student=mlp|lenet5|mobile");
        }
        return bad;
    }

    /** Metadata key where {@link Architectures#build} records the architecture. */
    static final String ARCH_KEY = "tinyfleet.arch";

    /** The student architecture for {@code teacher} under {@code config}. */
    static ArchSpec studentSpec(OnnxModel teacher, TechniqueConfig config) {
        String s = config.text("student");
        String arch = s.equals("same") ? ArchSpec.parse(teacher.metadata().get(ARCH_KEY)).arch() : s;
        return new ArchSpec(arch, config.number("width"), config.integer("depth"));
    }

    @Override
    public TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx) {
        if (ctx.train() == null) {
            throw new IllegalStateException("distillation needs training images: give --data");
        }
        ArchSpec spec = studentSpec(model, config);
        OnnxModel student = Architectures.build(spec, ctx.seed());
        return distil(model, student, spec, config.integer("epochs"), (float) config.number("temperature"),
                (float) config.number("alpha"), config.bool("labels"), ctx);
    }

    /**
     * Distils {@code teacher} into {@code student} (any forward model the trainer supports, e.g. one
     * given by the user) and reports parameters, losses and teacher agreement before and after.
     *
     * @param spec the student's architecture for training defaults, or null for generic AdamW settings
     */
    public static TechniqueResult distil(OnnxModel teacher, OnnxModel student, ArchSpec spec, int epochs,
                                         float temperature, float alpha, boolean labels, TechniqueContext ctx) {
        LabeledImages train = labels ? ctx.train() : withoutLabels(ctx.train());
        float a = labels ? alpha : 1f;
        TrainConfig.Builder b = spec != null ? Architectures.defaults(spec, epochs, ctx.seed())
                : TrainConfig.builder().epochs(epochs).seed(ctx.seed()).batch(128).optimizer("adamw", 1e-4f, 0f);
        TrainConfig cfg = b.threads(1).teacher(teacher, temperature, a).build();
        LabeledImages probe = ctx.validation() != null ? ctx.validation() : ctx.train();
        probe = probe.head(Math.min(1000, probe.count()));
        double before = agreement(teacher, student, probe, ctx.preprocessing());
        TrainResult r = Trainer.train(student, cfg, train, ctx.validation(), ctx.preprocessing(),
                new PrintStream(OutputStream.nullOutputStream()));
        double after = agreement(teacher, r.trained(), probe, ctx.preprocessing());
        long tp = Architectures.parameters(teacher);
        long sp = Architectures.parameters(r.trained());
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("student", spec == null ? "given" : spec.toString());
        stats.put("teacherParams", tp);
        stats.put("studentParams", sp);
        stats.put("paramsRatio", sp / (double) tp);
        stats.put("temperature", temperature);
        stats.put("alpha", a);
        stats.put("labels", labels);
        stats.put("epochs", epochs);
        stats.put("trainLoss", r.history().stream().map(TrainResult.Epoch::trainLoss).toList());
        stats.put("valAccuracy", r.history().stream().map(TrainResult.Epoch::valAccuracy).toList());
        stats.put("agreementBefore", before);
        stats.put("agreementAfter", after);
        List<String> notes = new ArrayList<>();
        if (!labels) {
            notes.add("distilled on unlabelled images: the labels were zeroed and alpha set to 1");
        }
        return new TechniqueResult(r.trained(), stats, notes);
    }

    /** The same images with every label 0, so no label can leak into training. */
    static LabeledImages withoutLabels(LabeledImages d) {
        return LabeledImages.of(d.rows(), d.cols(), d.pixels(), new byte[d.count()]);
    }

    /** Share of {@code data} where teacher and student pick the same class. */
    public static double agreement(OnnxModel teacher, OnnxModel student, LabeledImages data, Preprocessing pre) {
        int[] t = argmax(teacher, data, pre);
        int[] s = argmax(student, data, pre);
        int same = 0;
        for (int i = 0; i < t.length; i++) {
            same += t[i] == s[i] ? 1 : 0;
        }
        return same / (double) t.length;
    }

    /** Top-1 class per image, in batches of 256. */
    static int[] argmax(OnnxModel model, LabeledImages data, Preprocessing pre) {
        ValueInfoProto in = model.graph().getInputList().stream()
                .filter(v -> !model.initializers().containsKey(v.getName())).findFirst().orElseThrow();
        int rank = in.getType().getTensorType().getShape().getDimCount();
        int pixels = data.rows() * data.cols();
        int n = data.count();
        int[] out = new int[n];
        List<Map<String, OrtRun.Value>> feeds = new ArrayList<>();
        List<int[]> ranges = new ArrayList<>();
        int[] all = java.util.stream.IntStream.range(0, n).toArray();
        for (int from = 0; from < n; from += 256) {
            int c = Math.min(256, n - from);
            FloatBuffer buf = FloatBuffer.allocate(c * pixels);
            pre.fill(data, all, from, c, buf);
            long[] shape = rank == 2 ? new long[]{c, pixels} : new long[]{c, 1, data.rows(), data.cols()};
            feeds.add(Map.of(in.getName(), new OrtRun.Value(shape, buf.array())));
            ranges.add(new int[]{from, c});
        }
        String output = model.graph().getOutput(0).getName();
        List<Map<String, OrtRun.Value>> res = OrtRun.run(model, feeds, List.of(output), OptLevel.BASIC_OPT);
        for (int k = 0; k < res.size(); k++) {
            float[] z = res.get(k).get(output).data();
            int c = ranges.get(k)[1];
            int classes = z.length / c;
            for (int i = 0; i < c; i++) {
                int best = 0;
                for (int j = 1; j < classes; j++) {
                    if (z[i * classes + j] > z[i * classes + best]) {
                        best = j;
                    }
                }
                out[ranges.get(k)[0] + i] = best;
            }
        }
        return out;
    }
}
