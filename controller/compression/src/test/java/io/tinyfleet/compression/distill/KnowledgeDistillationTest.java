package io.tinyfleet.compression.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.Progress;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.UnsupportedModelException;
import io.tinyfleet.compression.arch.ArchSpec;
import io.tinyfleet.compression.arch.Architectures;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.Tensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Distillation on a tiny random-initialised teacher and synthetic images, fixed seeds. */
class KnowledgeDistillationTest {

    /** 1024 noisy 28x28 images whose brightness pattern decides one of 10 classes. */
    static LabeledImages images(int n, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * 784];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(10);
            labels[i] = (byte) c;
            for (int p = 0; p < 784; p++) {
                int band = (p / 28) / 3;   // 10 horizontal bands (rows 0..29 / 3)
                int v = (band == c ? 200 : 30) + r.nextInt(40);
                px[i * 784 + p] = (byte) Math.min(255, v);
            }
        }
        return LabeledImages.of(28, 28, px, labels);
    }

    static TechniqueContext ctx(LabeledImages train, LabeledImages val) {
        return new TechniqueContext(11, "synthetic", train, val, Preprocessing.DEFAULT, 16, Progress.NONE, null);
    }

    static OnnxModel teacher;

    /** A small MLP trained for two epochs on the synthetic images (trained once per test class). */
    static synchronized OnnxModel teacher() {
        if (teacher == null) {
            ArchSpec spec = new ArchSpec("mlp", 0.5, 0);
            teacher = io.tinyfleet.compression.train.Trainer.train(Architectures.build(spec, 5),
                    Architectures.defaults(spec, 2, 5).threads(1).build(), images(2048, 3), null, Preprocessing.DEFAULT,
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).trained();
        }
        return teacher;
    }

    @Test
    void distil_movesTheStudentTowardTheTeacher_lossFallsAndAgreementRises() {
        LabeledImages train = images(2048, 1);
        LabeledImages val = images(256, 2);
        KnowledgeDistillation kd = new KnowledgeDistillation();
        TechniqueConfig c = kd.configure(Map.of("width", "0.1", "epochs", "4", "temperature", "4", "alpha", "0.7"));
        TechniqueResult r = kd.apply(teacher(), c, ctx(train, val));
        assertEquals(4, r.stats().get("epochs"));
        assertLossFallsAndAgreementRises(r);
        assertTrue((double) r.stats().get("paramsRatio") < 0.25, "student is small: " + r.stats().get("paramsRatio"));
    }

    @Test
    void labelsFalse_trainsOnTheTeacherAlone_andSaysSo() {
        LabeledImages train = images(2048, 1);
        TechniqueResult r = new KnowledgeDistillation().apply(teacher(),
                new KnowledgeDistillation().configure(Map.of("width", "0.1", "epochs", "3", "labels", "false")),
                ctx(train, images(256, 2)));
        assertEquals(1.0f, (float) r.stats().get("alpha"));
        assertTrue((double) r.stats().get("agreementAfter") > (double) r.stats().get("agreementBefore"));
        assertTrue(r.notes().get(0).contains("unlabelled"));
        byte[] zeroed = KnowledgeDistillation.withoutLabels(train).labels();
        assertEquals(train.count(), zeroed.length);
        for (byte b : zeroed) {
            assertEquals(0, b, "no label reaches the trainer");
        }
    }

    @Test
    void pipeline_parsesTheDistillVocabulary_andRecordsTheStep() {
        TechniqueRegistry reg = new TechniqueRegistry(List.of(new KnowledgeDistillation()));
        Pipeline p = Pipeline.parse("distill:student=mlp,width=0.1,epochs=1,temperature=2,alpha=0.5", reg);
        Pipeline.Result r = p.run(teacher(), ctx(images(512, 1), images(128, 2)),
                io.tinyfleet.compression.pipeline.ModelMeasurer.NONE, s -> { });
        assertTrue(Provenance.pipelineText(r.model()).startsWith("distill:student=mlp"));
        assertFalse(r.model().initializers().isEmpty());
    }

    @Test
    void studentSame_isRefusedBeforeWork_whenTheTeacherHasNoArchitecture() {
        OnnxModel bare = OnnxModel.of(teacher().proto().toBuilder().clearMetadataProps().build());
        KnowledgeDistillation kd = new KnowledgeDistillation();
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> kd.check(bare, kd.configure(Map.of())));
        assertTrue(e.getMessage().contains("student=mlp|lenet5|mobile"), e.getMessage());
    }

    @Test
    void configure_refusesAnOutOfRangeAlpha_namingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KnowledgeDistillation().configure(Map.of("alpha", "1.5")));
        assertTrue(e.getMessage().contains("'alpha'"), e.getMessage());
    }

    @TempDir
    Path dir;

    /**
     * A hand-built student without tinyfleet metadata: {@code x [N,in...]} flattened, Gemm to 16,
     * {@code act}, Gemm to {@code classes}; seeded uniform weights.
     */
    static OnnxModel handStudent(long[] inDims, String act, int classes) {
        Random r = new Random(3);
        int in = 1;
        for (long d : inDims) {
            in *= (int) d;
        }
        float[] w1 = new float[16 * in];
        float[] w2 = new float[classes * 16];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) ((r.nextDouble() * 2 - 1) * Math.sqrt(6.0 / in));
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) ((r.nextDouble() * 2 - 1) * Math.sqrt(6.0 / 16));
        }
        Object[] dims = new Object[inDims.length + 1];
        dims[0] = "N";
        for (int i = 0; i < inDims.length; i++) {
            dims[i + 1] = inDims[i];
        }
        return new GraphBuilder("student", 17).input("x", DataType.FLOAT, dims)
                .initializer(Tensors.floats("w1", new long[] {16, in}, w1))
                .initializer(Tensors.floats("b1", new long[] {16}, new float[16]))
                .initializer(Tensors.floats("w2", new long[] {classes, 16}, w2))
                .initializer(Tensors.floats("b2", new long[] {classes}, new float[classes]))
                .node("flat", "Flatten", List.of("x"), List.of("f"), GraphBuilder.attr("axis", 1L))
                .node("fc1", "Gemm", List.of("f", "w1", "b1"), List.of("h"), GraphBuilder.attr("transB", 1L))
                .node("act1", act, List.of("h"), List.of("a"))
                .node("fc2", "Gemm", List.of("a", "w2", "b2"), List.of("y"), GraphBuilder.attr("transB", 1L))
                .output("y", DataType.FLOAT, "N", classes).build();
    }

    Path save(OnnxModel m, String name) {
        Path p = dir.resolve(name);
        m.save(p);
        return p;
    }

    /** Over 4 epochs the distillation loss falls and agreement with the teacher rises by over 10 points. */
    static void assertLossFallsAndAgreementRises(TechniqueResult r) {
        double first = (double) r.stats().get("firstTrainLoss");
        double last = (double) r.stats().get("trainLoss");
        assertTrue(last < first, "loss falls: " + first + " -> " + last);
        double before = (double) r.stats().get("agreementBefore");
        double after = (double) r.stats().get("agreementAfter");
        assertTrue(after > before + 0.1, "agreement rises: " + before + " -> " + after);
    }

    @Test
    void studentPath_movesTheGivenStudentTowardTheTeacher_lossFallsAndAgreementRises() {
        Path p = save(handStudent(new long[] {784}, "Relu", 10), "student.onnx");
        KnowledgeDistillation kd = new KnowledgeDistillation();
        TechniqueConfig c = kd.configure(Map.of("student", p.toString(), "epochs", "4"));
        kd.check(teacher(), c);
        TechniqueResult r = kd.apply(teacher(), c, ctx(images(2048, 1), images(256, 2)));
        assertLossFallsAndAgreementRises(r);
        assertEquals(p.toString(), r.stats().get("student"));
        assertEquals(16L * 784 + 16 + 16 * 10 + 10, r.stats().get("studentParams"));
        assertEquals(OnnxModel.sha256Hex(OnnxModel.load(p).toBytes()), r.stats().get("studentSha256"));
        assertEquals("x", r.model().graph().getInput(0).getName(), "the given student's graph is what comes out");
    }

    @Test
    void teacherPath_trainsTheInputModelTowardTheFilesTeacher_fromItsOwnWeights() {
        Path t = save(teacher(), "teacher.onnx");
        OnnxModel student = handStudent(new long[] {784}, "Relu", 10);
        KnowledgeDistillation kd = new KnowledgeDistillation();
        TechniqueConfig c = kd.configure(Map.of("teacher", t.toString(), "epochs", "4"));
        kd.check(student, c);
        TechniqueResult r = kd.apply(student, c, ctx(images(2048, 1), images(256, 2)));
        assertLossFallsAndAgreementRises(r);
        assertEquals(t.toString(), r.stats().get("teacher"));
        assertEquals(OnnxModel.sha256Hex(OnnxModel.load(t).toBytes()), r.stats().get("teacherSha256"));
        assertEquals(16L * 784 + 16 + 16 * 10 + 10, r.stats().get("studentParams"), "the input model is the student");
        assertEquals("x", r.model().graph().getInput(0).getName());
    }

    @Test
    void teacherPath_keepsAPrunedStudentsZerosAtZero_andTrainsTheRest() {
        OnnxModel dense = handStudent(new long[] {784}, "Relu", 10);
        float[] w1 = Tensors.toFloats(dense.initializers().get("w1"));
        for (int i = 0; i < w1.length; i += 2) {
            w1[i] = 0; // half the first layer pruned
        }
        var g = dense.graph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("w1")) {
                g.setInitializer(i, Tensors.floats("w1", new long[] {16, 784}, w1));
            }
        }
        OnnxModel pruned = dense.withGraph(g.build());
        KnowledgeDistillation kd = new KnowledgeDistillation();
        TechniqueResult r = kd.apply(pruned, kd.configure(Map.of("teacher", save(teacher(), "teacher.onnx").toString(),
                "epochs", "2")), ctx(images(1024, 1), images(256, 2)));
        float[] after = Tensors.toFloats(r.model().initializers().get("w1"));
        int moved = 0;
        for (int i = 0; i < after.length; i++) {
            if (i % 2 == 0) {
                assertEquals(0f, after[i], "pruned w1[" + i + "] stays zero");
            } else if (after[i] != w1[i]) {
                moved++;
            }
        }
        assertTrue(moved > after.length / 4, "the kept weights train: " + moved + " moved");
        assertEquals(List.of("w1"), List.copyOf((java.util.Collection<?>) r.stats().get("maskedWeights")));
    }

    @Test
    void teacherPath_isRefusedBeforeWork_whenMissing_combinedWithAStudent_orOfAnotherClassCount() {
        KnowledgeDistillation kd = new KnowledgeDistillation();
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> kd.configure(Map.of("teacher", dir.resolve("nope.onnx").toString())));
        assertTrue(missing.getMessage().contains("'teacher'") && missing.getMessage().contains("nope.onnx"),
                missing.getMessage());
        Path t = save(teacher(), "teacher.onnx");
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> kd.configure(Map.of("teacher", t.toString(), "student", "lenet5")));
        assertTrue(both.getMessage().contains("'teacher'") && both.getMessage().contains("input model is the student"),
                both.getMessage());
        String m = assertThrows(UnsupportedModelException.class, () -> kd.check(
                handStudent(new long[] {1, 28, 28}, "Relu", 5), kd.configure(Map.of("teacher", t.toString()))))
                .getMessage();
        assertTrue(m.contains("the input model as the student") && m.contains("'y' has 5 classes") && m.contains("has 10"), m);
    }

    @Test
    void studentPath_missingFile_isRefusedAtConfigure_namingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KnowledgeDistillation()
                .configure(Map.of("student", dir.resolve("nope.onnx").toString())));
        assertTrue(e.getMessage().contains("'student'") && e.getMessage().contains("nope.onnx"), e.getMessage());
        IllegalArgumentException sep = assertThrows(IllegalArgumentException.class, () -> new KnowledgeDistillation()
                .configure(Map.of("student", "a,b.onnx")));
        assertTrue(sep.getMessage().contains("'student'"), sep.getMessage());
    }

    /** The message with which distilling {@link #teacher()} into the student at {@code p} is refused before any work. */
    String refusal(Path p) {
        KnowledgeDistillation kd = new KnowledgeDistillation();
        return assertThrows(UnsupportedModelException.class,
                () -> kd.check(teacher(), kd.configure(Map.of("student", p.toString())))).getMessage();
    }

    @Test
    void studentPath_inputOfAnotherSize_isRefusedBeforeWork_namingBothInputs() {
        Path p = save(handStudent(new long[] {1, 32, 32}, "Relu", 10), "wide-input.onnx");
        String m = refusal(p);
        assertTrue(m.contains("field 'student'") && m.contains("'x' [N,1,32,32] takes 1024")
                && m.contains("takes 784"), m);
    }

    @Test
    void studentPath_otherClassCount_isRefusedBeforeWork_namingBothOutputs() {
        Path p = save(handStudent(new long[] {1, 28, 28}, "Relu", 5), "five.onnx");
        String m = refusal(p);
        assertTrue(m.contains("field 'student'") && m.contains("'y' has 5 classes")
                && m.contains("has 10"), m);
    }

    @Test
    void studentPath_opWithoutGradientRule_isRefusedBeforeWork_namingTheNodeAndOp() {
        Path p = save(handStudent(new long[] {784}, "Elu", 10), "elu.onnx");
        String m = refusal(p);
        assertTrue(m.contains("field 'student'") && m.contains("act1 (Elu)"), m);
    }

    @Test
    void studentPath_notOnnx_isRefusedBeforeWork() throws Exception {
        Path p = dir.resolve("junk.onnx");
        java.nio.file.Files.writeString(p, "not a model");
        String m = refusal(p);
        assertTrue(m.contains("field 'student'") && m.contains("junk.onnx"), m);
    }

    @Test
    void widthZero_picksTheWidestStudentWithinTheBudget() {
        long limit = 24_954; // a quarter of the mobile baseline's 99,818
        for (int depth : new int[] {2, 4}) {
            ArchSpec a = KnowledgeDistillation.widest("mobile", depth, limit);
            assertTrue(KnowledgeDistillation.exportedParameters(a) <= limit, a.toString());
            ArchSpec wider = a.student(a.width() + 0.01, depth);
            assertTrue(KnowledgeDistillation.exportedParameters(wider) > limit, wider + " would fit too");
        }
        assertEquals(99_818, KnowledgeDistillation.exportedParameters(ArchSpec.of("mobile")), "folded as the trainer exports");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KnowledgeDistillation.widest("mlp", 0, 100));
        assertTrue(e.getMessage().contains("budget"), e.getMessage());
    }

    @Test
    void defaultStudent_isAQuarterOfTheTeacher() {
        KnowledgeDistillation kd = new KnowledgeDistillation();
        ArchSpec s = KnowledgeDistillation.studentSpec(teacher(), kd.configure(Map.of()));
        long tp = Architectures.parameters(teacher());
        long sp = KnowledgeDistillation.exportedParameters(s);
        assertEquals("mlp", s.arch());
        assertTrue(sp <= tp / 4 && sp > tp / 5, sp + " of " + tp);
    }

    @Test
    void mobileDefaultStudent_isTwoBlocksWide_whileAGivenWidthKeepsTheTeachersDepth() {
        OnnxModel mobile = io.tinyfleet.compression.train.InferenceExport.foldBatchNorm(
                Architectures.build(ArchSpec.of("mobile"), 1));
        KnowledgeDistillation kd = new KnowledgeDistillation();
        ArchSpec auto = KnowledgeDistillation.studentSpec(mobile, kd.configure(Map.of()));
        assertEquals(2, auto.effectiveDepth());
        assertEquals(1.07, auto.width(), 1e-9, "widest 2-block student within 99,818 / 4");
        assertTrue(KnowledgeDistillation.exportedParameters(auto) <= 99_818 / 4);
        ArchSpec given = KnowledgeDistillation.studentSpec(mobile, kd.configure(Map.of("width", "0.45")));
        assertEquals(4, given.effectiveDepth());
        assertEquals(22_239, KnowledgeDistillation.exportedParameters(given));
    }

    @Test
    void teacher_seesTheSameFlippedAndShiftedBatchAsTheStudent() {
        // teacher = the student itself and a learning rate of 0: the soft loss (alpha 1) is zero only when
        // both ran on the same augmented images; shifting these 3-row bands by up to 2 rows moves the
        // class pattern, so a teacher fed the clean batch would disagree
        OnnxModel m = handStudent(new long[] {1, 28, 28}, "Relu", 10);
        io.tinyfleet.compression.train.TrainConfig cfg = io.tinyfleet.compression.train.TrainConfig.builder()
                .epochs(1).batch(64).seed(3).schedule(new io.tinyfleet.compression.train.LrSchedule.Constant(0f))
                .augmentation(Architectures.MOBILE_AUGMENTATION).teacher(m, 4f, 1f).build();
        double loss = io.tinyfleet.compression.train.Trainer.train(m, cfg, images(512, 1), null, Preprocessing.DEFAULT,
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).history().get(0).trainLoss();
        assertEquals(0.0, loss, 1e-5);
    }
}
