package io.tinyfleet.compression.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.FineTuner;
import io.tinyfleet.compression.FineTuners;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.compression.UnsupportedModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MagnitudePruningFineTuneTest {

    private final MagnitudePruning t = new MagnitudePruning();

    @Test
    void badDistilOrLearningRate_namesTheField() {
        for (String[] bad : List.of(new String[] {"distil", "maybe"}, new String[] {"lr", "0"},
                new String[] {"lr", "0.5"}, new String[] {"lr", "fast"})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.configure(Map.of("sparsity", "0.5", bad[0], bad[1])));
            assertTrue(e.getMessage().contains("'" + bad[0] + "'"), e.getMessage());
        }
    }

    @Test
    void defaults_labelsOnlyAtTheFineTunersLearningRate() {
        var c = t.configure(Map.of("sparsity", "0.5"));
        assertFalse(c.bool("distil"));
        assertEquals(FineTuners.LEARNING_RATE, (float) c.number("lr"));
    }

    private float[] tunedWeight(String settings, List<FineTuner.Recipe> recipes, List<OnnxModel> teachers,
                                boolean asBefore) {
        // asBefore: what prune did before it had options, whatever the step asks
        TechniqueContext ctx = FineTuneRecording.context(recipes, teachers, r -> asBefore ? FineTuner.Recipe.PLAIN : r);
        OnnxModel out = t.apply(TinyModels.cnn(), t.configure(FineTuneRecording.settings(
                Map.of("sparsity", "0.6", "finetune", "1"), settings)), ctx).model();
        return Tensors.toFloats(out.initializers().get("c2w"));
    }

    @Test
    void defaults_trainWhatPruneTrainedBefore() {
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        float[] now = tunedWeight("", recipes, teachers, false);
        float[] before = tunedWeight("", recipes, teachers, true);
        assertEquals(new FineTuner.Recipe(false, 0.002), recipes.get(0));
        assertTrue(Arrays.equals(before, now), "the default output is unchanged");
    }

    @Test
    void distilAndLearningRate_reachTheTrainer_everyStepDistilsFromTheUnprunedModel() {
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        float[] plain = tunedWeight("steps=2,distil=false,lr=0.002", recipes, teachers, false);
        float[] faster = tunedWeight("steps=2,distil=false,lr=0.004", recipes, teachers, false);
        float[] distilled = tunedWeight("steps=2,distil=true,lr=0.002", recipes, teachers, false);
        FineTuner.Recipe p = new FineTuner.Recipe(false, 0.002);
        FineTuner.Recipe f = new FineTuner.Recipe(false, 0.004);
        FineTuner.Recipe d = new FineTuner.Recipe(true, 0.002);
        assertEquals(List.of(p, p, f, f, d, d), recipes);
        String unpruned = TinyModels.cnn().sha256();
        assertEquals(unpruned, teachers.get(4).sha256(), "step 1 distils from the unpruned model");
        assertEquals(unpruned, teachers.get(5).sha256(), "step 2 too, not from step 1's output");
        assertFalse(Arrays.equals(plain, faster), "a higher learning rate trains other weights");
        assertFalse(Arrays.equals(plain, distilled), "the teacher's outputs train other weights");
        assertTrue(Arrays.equals(plain, tunedWeight("steps=2,distil=false,lr=0.002", recipes, teachers, false)),
                "deterministic for the seed");
    }

    @Test
    void teacherFile_everyStepDistilsFromIt_andTheRecordNamesIt(@TempDir Path dir) {
        Path teacher = FineTuneRecording.sharperTeacher(dir);
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        float[] fromInput = tunedWeight("steps=2,distil=true", recipes, teachers, false);
        float[] fromFile = tunedWeight("steps=2,distil=true,teacher=" + teacher, recipes, teachers, false);
        String sha = OnnxModel.load(teacher).sha256();
        assertEquals(sha, teachers.get(2).sha256(), "step 1 distils from the file");
        assertEquals(sha, teachers.get(3).sha256(), "step 2 too");
        assertFalse(Arrays.equals(fromInput, fromFile), "another teacher trains other weights");

        TechniqueContext ctx = FineTuneRecording.context(new ArrayList<>(), new ArrayList<>(), r -> r);
        var r = t.apply(TinyModels.cnn(), t.configure(Map.of("sparsity", "0.6", "finetune", "1", "distil", "true",
                "teacher", teacher.toString())), ctx);
        assertEquals(sha, r.stats().get("teacherSha256"));
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("distilled from " + teacher)), r.notes().toString());
    }

    @Test
    void teacherFile_withoutDistillation_orMissing_isRefusedAtConfigure_namingTheField(@TempDir Path dir) {
        Path teacher = FineTuneRecording.sharperTeacher(dir);
        for (Map<String, String> bad : List.of(
                Map.of("sparsity", "0.5", "finetune", "1", "teacher", teacher.toString()),
                Map.of("sparsity", "0.5", "distil", "true", "teacher", teacher.toString()),
                Map.of("sparsity", "0.5", "finetune", "1", "distil", "true", "teacher", dir.resolve("no.onnx").toString()))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.configure(bad));
            assertTrue(e.getMessage().contains("field 'teacher'"), e.getMessage());
        }
    }

    @Test
    void teacherFile_ofAnotherInputSize_isRefusedBeforeWork_namingTheSizes(@TempDir Path dir) {
        Path other = dir.resolve("mlp16.onnx");
        TinyModels.mlp().save(other);
        var c = t.configure(Map.of("sparsity", "0.5", "finetune", "1", "distil", "true", "teacher", other.toString()));
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> t.check(TinyModels.cnn(), c));
        assertTrue(e.getMessage().contains("takes 64 values per image") && e.getMessage().contains("takes 16"),
                e.getMessage());
    }
}
