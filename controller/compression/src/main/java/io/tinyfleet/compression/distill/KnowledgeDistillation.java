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
import io.tinyfleet.compression.graph.Graphs;
import io.tinyfleet.compression.graph.OrtRun;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.compression.train.GradientBuilder;
import io.tinyfleet.compression.train.InferenceExport;
import io.tinyfleet.compression.train.Loss;
import io.tinyfleet.compression.train.LrSchedule;
import io.tinyfleet.compression.train.TrainConfig;
import io.tinyfleet.compression.train.TrainingGraph;
import io.tinyfleet.compression.train.TrainResult;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Knowledge distillation (Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural Network",
 * 2015): the input model is the teacher; a narrower or shallower student of a known architecture
 * ({@code mlp}, {@code lenet5}, {@code mobile} with width/depth multipliers) is trained by the
 * project's {@link Trainer} on {@code alpha * T^2 * KL(teacher/T || student/T) + (1 - alpha) * CE}.
 * By default ({@code width=0}) the student is the widest of its depth with at most {@code budget}
 * (a quarter) of the teacher's parameters.
 *
 * <p>With {@code labels=false} it distils on unlabelled inputs only ("data-free-ish"): the labels are
 * replaced by zeros before the trainer sees them and alpha is 1, so the teacher's softened outputs
 * are the sole target. Pipeline text: {@code distill:student=lenet5,width=0.5,epochs=3,temperature=4,
 * alpha=0.7,labels=false}; {@code student=same} (the default) takes the teacher's architecture from
 * its {@code tinyfleet.arch} metadata.
 *
 * <p>{@code student=PATH} distils into an inference ONNX model of one's own (its initial weights are
 * the starting point). It is checked before any work: the file must exist and parse, have one data
 * input taking as many values per image as the teacher's, output as many classes, and every node on
 * the path from a weight to the logits must have a gradient rule in the trainer (the refusal names
 * the node and its op). It trains with its architecture's recipe when it carries {@code tinyfleet.arch}
 * metadata, otherwise with AdamW and cosine decay from 1e-3; {@code width} and {@code depth} do not apply.
 *
 * <p>{@code teacher=PATH} turns the roles round: the model in the file teaches and the input model is
 * the student, trained on from its own weights with its recipe, so that a larger model lends accuracy to
 * the one being compressed (Shen et al. 2024 distil first, then prune and quantize). The exact zeros of
 * the student's weights stay zero ({@link #zeroMasks}), so distillation may also follow pruning. On the
 * Fashion-MNIST MLP (90.26 %) with the {@code mobile} CNN (91.39 %) as teacher, 20 epochs, then pruning
 * to 0.93 and k = 8 sparse clustering, seeds 42/43/44: distilling first (itself on seed 42) lost 0.48/0.96/0.68 at
 * 50.1x on the wire, distilling after pruning 0.50/0.55/0.73 at 51.5-51.7x, no teacher 0.78/1.04/0.85.
 */
public final class KnowledgeDistillation implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "distill.kd";

    private static final ConfigSpec SPEC = new ConfigSpec(ID, List.of(
            ConfigField.text("student", "same", "same|mlp|lenet5|mobile, or the path of a student ONNX model"
                    + " (an inference model the trainer can train); same = the teacher's architecture (tinyfleet.arch metadata)"),
            ConfigField.number("width", 0.0, 0, false, 8, false, "width multiplier of the student's hidden layers;"
                    + " 0 = the widest student with at most 'budget' of the teacher's parameters"),
            ConfigField.integer("depth", 0L, 0, 16, "repeatable blocks of the student; 0 = the architecture's own,"
                    + " except with width=0 on mobile: 2 (shallower and wider beat narrower at a quarter of the parameters)"),
            ConfigField.number("budget", 0.25, 0, true, 1, false, "with width=0: the student's parameters"
                    + " (BatchNorm folded, as exported) as a fraction of the teacher's, at most"),
            ConfigField.integer("epochs", 3L, 1, 200, "training epochs"),
            ConfigField.number("temperature", 2.0, 0, true, 100, false, "softening temperature T (2: on mobile,"
                    + " 20 epochs, 89.75 % against 89.46 % at T=4)"),
            ConfigField.number("alpha", 0.7, 0, false, 1, false, "weight of the soft (teacher) loss; 1 - alpha for labels"),
            ConfigField.bool("labels", true, "false: distil on unlabelled inputs, the teacher as the only target"),
            ConfigField.text("teacher", "input", "input = the input model teaches; or the path of a teacher ONNX model"
                    + " (e.g. a larger, more accurate one), and then the input model is the student, trained on from its"
                    + " own weights (student, width and depth do not apply)")),
            KnowledgeDistillation::checkFileFields);

    /** Student words that name an architecture rather than a file. */
    private static final List<String> STUDENT_WORDS = List.of("same", "mlp", "lenet5", "mobile");

    /** Whether {@code student} names a file rather than an architecture. */
    static boolean isPath(String student) {
        return !STUDENT_WORDS.contains(student);
    }

    /** Whether field {@code teacher} of {@code c} names a file, so that the input model is the student. */
    public static boolean teacherFile(TechniqueConfig c) {
        return !c.text("teacher").equals("input");
    }

    /** The model that teaches under field {@code teacher} of {@code c}: the file's, or {@code input}. */
    public static OnnxModel teacher(OnnxModel input, TechniqueConfig c) {
        return teacherFile(c) ? OnnxModel.load(Path.of(c.text("teacher"))) : input;
    }

    /** Refuses, naming the field, a {@code teacher} of technique {@code id} that names no file. */
    public static void checkTeacherField(String id, TechniqueConfig c) {
        String t = c.text("teacher");
        if (teacherFile(c) && !Files.isRegularFile(Path.of(t))) {
            throw new IllegalArgumentException(id + ": field 'teacher': no file '" + t + "' (give input or the path of "
                    + "a teacher ONNX model)");
        }
    }

    /**
     * A student or teacher given by path must be a file, and a teacher file leaves the student to the input
     * model: refused at configure time naming the field.
     */
    private static void checkFileFields(TechniqueConfig c) {
        String s = c.text("student");
        if (isPath(s) && !Files.isRegularFile(Path.of(s))) {
            throw new IllegalArgumentException(ID + ": field 'student': no file '" + s + "' (give same|mlp|lenet5|mobile"
                    + " or the path of a student ONNX model)");
        }
        checkTeacherField(ID, c);
        if (teacherFile(c) && (!s.equals("same") || c.number("width") != 0 || c.integer("depth") != 0)) {
            throw new IllegalArgumentException(ID + ": field 'teacher': with a teacher file the input model is the "
                    + "student; leave student, width and depth unset");
        }
    }

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
        List<String> bad = new ArrayList<>(Graphs.customDomainNodes(model));
        if (teacherFile(config)) {
            if (bad.isEmpty()) {
                bad.addAll(teacherFileProblems(model, config.text("teacher")));
            }
            return bad;
        }
        bad.addAll(teacherProblems(model, ""));
        if (isPath(config.text("student"))) {
            bad.addAll(studentProblems(model, config.text("student")));
        } else if (config.text("student").equals("same") && !model.metadata().containsKey(Provenance.ARCH_KEY)) {
            bad.add("student=same needs the teacher's architecture in metadata '" + Provenance.ARCH_KEY
                    + "' (models trained by tinyfleet have it): name one with student=mlp|lenet5|mobile");
        }
        return bad;
    }

    /**
     * What keeps the student ONNX at {@code path} from being distilled from {@code teacher}: each entry
     * names the field {@code student} and the part at fault (file, input, output, node).
     */
    static List<String> studentProblems(OnnxModel teacher, String path) {
        String where = "field 'student' (" + path + "): ";
        List<String> bad = new ArrayList<>();
        OnnxModel student = load(path, where, bad);
        return student == null ? bad : pairProblems(teacher, student, where);
    }

    /**
     * What keeps the ONNX model at {@code path} from teaching {@code student}: the file, its custom-domain
     * nodes, one data input, the input size, the class count, and a gradient rule for every node on the
     * student's way to its logits. Each entry names the field {@code teacher}; empty when it can teach.
     * Shared with the pruning steps that distil from a teacher file.
     */
    public static List<String> teacherFileProblems(OnnxModel student, String path) {
        String where = "field 'teacher' (" + path + "): ";
        List<String> bad = new ArrayList<>();
        OnnxModel teacher = load(path, where, bad);
        if (teacher != null) {
            for (String n : Graphs.customDomainNodes(teacher)) {
                bad.add(where + "teacher " + n);
            }
            bad.addAll(teacherProblems(teacher, where));
        }
        if (bad.isEmpty()) {
            bad.addAll(pairProblems(teacher, student, "the input model as the student: "));
        }
        return bad;
    }

    /** The model at {@code path}, or null with why it cannot be read added to {@code bad} after {@code where}. */
    private static OnnxModel load(String path, String where, List<String> bad) {
        try {
            return OnnxModel.load(Path.of(path));
        } catch (RuntimeException e) {
            bad.add(where + e.getMessage());
            return null;
        }
    }

    /** What keeps {@code teacher} from teaching: it needs one data input and an output. */
    private static List<String> teacherProblems(OnnxModel teacher, String where) {
        List<String> bad = new ArrayList<>();
        int inputs = Graphs.realInputs(teacher.graph()).size();
        if (inputs != 1) {
            bad.add(where + "teacher must have exactly one data input, has " + inputs);
        }
        if (teacher.graph().getOutputCount() < 1) {
            bad.add(where + "teacher has no output");
        }
        return bad;
    }

    /** What keeps {@code student} from being distilled from {@code teacher}, each entry starting with {@code where}. */
    private static List<String> pairProblems(OnnxModel teacher, OnnxModel student, String where) {
        List<String> bad = new ArrayList<>();
        for (String n : Graphs.customDomainNodes(student)) {
            bad.add(where + "student " + n);
        }
        List<ValueInfoProto> sin = Graphs.realInputs(student.graph());
        if (sin.size() != 1) {
            bad.add(where + "the student must have exactly one data input, it has "
                    + sin.stream().map(ValueInfoProto::getName).toList());
        }
        if (student.graph().getOutputCount() < 1) {
            bad.add(where + "the student has no output");
        }
        if (!bad.isEmpty()) {
            return bad;
        }
        List<ValueInfoProto> tin = Graphs.realInputs(teacher.graph());
        long sPer = perImage(sin.get(0));
        long tPer = tin.size() == 1 ? perImage(tin.get(0)) : -1;
        if (sPer < 0) {
            bad.add(where + "student input '" + sin.get(0).getName() + "' " + shapeText(sin.get(0))
                    + " needs fixed sizes after the batch dimension");
        } else if (tPer > 0 && sPer != tPer) {
            bad.add(where + "student input '" + sin.get(0).getName() + "' " + shapeText(sin.get(0)) + " takes " + sPer
                    + " values per image, the teacher's input '" + tin.get(0).getName() + "' " + shapeText(tin.get(0))
                    + " takes " + tPer);
        }
        if (!bad.isEmpty()) {
            return bad;
        }
        if (GradientBuilder.defaultTrainable(student).isEmpty()) {
            bad.add(where + "the student has no float initializer the trainer could train");
            return bad;
        }
        long sClasses;
        try {
            TrainingGraph tg = GradientBuilder.build(student, null, new Loss.SoftmaxCrossEntropy(), 2, 0);
            long[] ls = tg.logitsShape();
            sClasses = ls.length == 2 ? ls[1] : -1;
            if (sClasses < 0) {
                bad.add(where + "student output '" + student.graph().getOutput(0).getName() + "' has shape "
                        + java.util.Arrays.toString(ls) + "; logits must be [N, classes]");
            }
        } catch (RuntimeException e) {
            bad.add(where + "the trainer cannot train the student: " + e.getMessage());
            return bad;
        }
        if (tPer > 0 && sClasses > 0) {
            long tClasses = classes(teacher, tin.get(0));
            if (tClasses != sClasses) {
                bad.add(where + "student output '" + student.graph().getOutput(0).getName() + "' has " + sClasses
                        + " classes, the teacher's output '" + teacher.graph().getOutput(0).getName() + "' has " + tClasses);
            }
        }
        return bad;
    }

    /** Values per image of a data input (product of the dimensions after the batch), -1 when not fixed. */
    private static long perImage(ValueInfoProto in) {
        var dims = in.getType().getTensorType().getShape().getDimList();
        if (dims.size() < 2) {
            return -1;
        }
        long n = 1;
        for (int i = 1; i < dims.size(); i++) {
            if (!dims.get(i).hasDimValue() || dims.get(i).getDimValue() <= 0) {
                return -1;
            }
            n *= dims.get(i).getDimValue();
        }
        return n;
    }

    private static String shapeText(ValueInfoProto in) {
        List<String> d = new ArrayList<>();
        for (var x : in.getType().getTensorType().getShape().getDimList()) {
            d.add(x.hasDimValue() ? Long.toString(x.getDimValue()) : x.getDimParam().isEmpty() ? "?" : x.getDimParam());
        }
        return "[" + String.join(",", d) + "]";
    }

    /** The teacher's class count: its first output's last dimension, run on one zero image when not declared. */
    private static long classes(OnnxModel teacher, ValueInfoProto in) {
        var out = teacher.graph().getOutput(0);
        var dims = out.getType().getTensorType().getShape().getDimList();
        if (dims.size() == 2 && dims.get(1).hasDimValue() && dims.get(1).getDimValue() > 0) {
            return dims.get(1).getDimValue();
        }
        var inDims = in.getType().getTensorType().getShape().getDimList();
        long[] shape = new long[inDims.size()];
        shape[0] = 1;
        for (int i = 1; i < shape.length; i++) {
            shape[i] = inDims.get(i).getDimValue();
        }
        float[] zeros = new float[Math.toIntExact(perImage(in))];
        var res = OrtRun.run(teacher, List.of(Map.of(in.getName(), new OrtRun.Value(shape, zeros))),
                List.of(out.getName()), OptLevel.BASIC_OPT);
        return res.get(0).get(out.getName()).data().length;
    }

    /**
     * Masks that keep the exact zeros of the student's trainable Conv/Gemm/MatMul weights at zero, so a
     * pruned student (say after {@code prune > distill:teacher=...}) stays as sparse as it came; empty for
     * a dense one.
     */
    static Map<String, float[]> zeroMasks(OnnxModel student) {
        Set<String> trainable = new HashSet<>(GradientBuilder.defaultTrainable(student));
        Map<String, float[]> masks = new LinkedHashMap<>();
        for (Graphs.WeightRef w : Graphs.linearWeights(student)) {
            String name = w.tensor().getName();
            if (!trainable.contains(name) || masks.containsKey(name)) {
                continue;
            }
            float[] v = Tensors.toFloats(w.tensor());
            float[] m = new float[v.length];
            boolean zero = false;
            for (int i = 0; i < v.length; i++) {
                m[i] = v[i] != 0 ? 1f : 0f;
                zero |= v[i] == 0;
            }
            if (zero) {
                masks.put(name, m);
            }
        }
        return masks;
    }

    /** The training recipe of a student model: its recorded architecture, or null for the generic one. */
    private static ArchSpec recipe(OnnxModel student) {
        String arch = student.metadata().get(Provenance.ARCH_KEY);
        if (arch == null) {
            return null;
        }
        try {
            return ArchSpec.parse(arch);
        } catch (IllegalArgumentException e) {
            return null; // metadata of another tool: train with the generic recipe
        }
    }

    /** The student architecture for {@code teacher} under {@code config}. */
    static ArchSpec studentSpec(OnnxModel teacher, TechniqueConfig config) {
        String s = config.text("student");
        String arch = s.equals("same") ? ArchSpec.parse(teacher.metadata().get(Provenance.ARCH_KEY)).arch() : s;
        double width = config.number("width");
        int depth = config.integer("depth");
        if (width > 0) {
            return new ArchSpec(arch, width, depth);
        }
        if (depth == 0) {
            depth = autoDepth(arch);
        }
        long limit = (long) Math.floor(config.number("budget") * Architectures.parameters(teacher));
        return widest(arch, depth, limit);
    }

    /**
     * Blocks of the student when neither width nor depth is given: 2 for {@code mobile} (at a quarter of
     * the parameters, 2 blocks at width 1.05 reached 86.1 % after 5 epochs against 85.0 % for 4 blocks at
     * width 0.48 and 85.1 % for 3 at 0.53: the narrow stem and the 4x4 stage cost the deep one more
     * than the blocks bring), the architecture's own depth otherwise.
     */
    static int autoDepth(String arch) {
        return arch.equals("mobile") ? 2 : 0;
    }

    /**
     * The widest {@code arch} of {@code depth} blocks whose exported (BatchNorm-folded) parameter count
     * is at most {@code limit}, width to two decimals.
     *
     * @throws IllegalArgumentException when even width 0.01 is over the limit
     */
    static ArchSpec widest(String arch, int depth, long limit) {
        ArchSpec best = null;
        int lo = 1;
        int hi = 800;
        while (lo <= hi) { // parameters grow with width: bisect on hundredths
            int mid = (lo + hi) >>> 1;
            ArchSpec a = new ArchSpec(arch, mid / 100.0, depth);
            if (exportedParameters(a) <= limit) {
                best = a;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no " + arch + " student of depth " + depth + " fits in " + limit
                    + " parameters: raise budget or give width");
        }
        return best;
    }

    /** Parameters of {@code spec} as the trainer exports it (BatchNorm folded into the convolutions). */
    static long exportedParameters(ArchSpec spec) {
        return Architectures.parameters(InferenceExport.foldBatchNorm(Architectures.build(spec, 0)));
    }

    @Override
    public TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx) {
        if (ctx.train() == null) {
            throw new IllegalStateException("distillation needs training images: give --data");
        }
        String given = config.text("student");
        if (isPath(given) || teacherFile(config)) {
            boolean byTeacher = teacherFile(config);
            OnnxModel teacher = teacher(model, config);
            OnnxModel student = byTeacher ? model : OnnxModel.load(Path.of(given));
            ArchSpec spec = recipe(student);
            TechniqueResult r = distil(teacher, student, spec, config.integer("epochs"),
                    (float) config.number("temperature"), (float) config.number("alpha"), config.bool("labels"), ctx);
            Map<String, Object> stats = new LinkedHashMap<>(r.stats());
            stats.put(byTeacher ? "teacher" : "student", byTeacher ? config.text("teacher") : given);
            stats.put(byTeacher ? "teacherSha256" : "studentSha256", (byTeacher ? teacher : student).sha256());
            if (spec == null || !byTeacher) { // with a teacher file, "student" already names the recipe
                stats.put("studentRecipe", spec == null ? "generic (adamw, cosine from 1e-3)" : spec.toString());
            }
            return new TechniqueResult(r.model(), stats, r.notes());
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
                : TrainConfig.builder().epochs(epochs).seed(ctx.seed()).batch(128).optimizer("adamw", 1e-4f, 0f)
                        .schedule(new LrSchedule.Cosine(1e-3f, 1e-5f, 0));
        Map<String, float[]> masks = zeroMasks(student);
        TrainConfig cfg = b.threads(1).masks(masks).teacher(teacher, temperature, a).build();
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
        // First and last epoch only: the record ships inside the model, and the three per-epoch lists
        // cost about 9 B per epoch on the wire (93 B at 10 epochs, measured on the MLP).
        TrainResult.Epoch last = r.history().get(r.history().size() - 1);
        stats.put("firstTrainLoss", r.history().get(0).trainLoss());
        stats.put("trainLoss", last.trainLoss());
        stats.put("trainAccuracy", last.trainAccuracy());
        if (!Double.isNaN(last.valAccuracy())) {
            stats.put("keptEpoch", r.bestEpoch());
            stats.put("valAccuracy", r.history().get(r.bestEpoch() - 1).valAccuracy());
        }
        stats.put("agreementBefore", before);
        stats.put("agreementAfter", after);
        List<String> notes = new ArrayList<>();
        if (!masks.isEmpty()) {
            stats.put("maskedWeights", masks.keySet());
            notes.add("the zeros of " + masks.size() + " pruned weight(s) were kept at zero");
        }
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
        ValueInfoProto in = Graphs.realInputs(model.graph()).stream().findFirst().orElseThrow();
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
