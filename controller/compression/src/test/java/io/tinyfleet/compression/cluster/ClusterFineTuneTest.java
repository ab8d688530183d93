package io.tinyfleet.compression.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.FineTuneRecording;
import io.tinyfleet.compression.FineTuner;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.compression.UnsupportedModelException;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The centroid fine-tune of {@code cluster}: labels by default, distilled from the input or a teacher file. */
class ClusterFineTuneTest {

    private final KMeansWeightClustering t = new KMeansWeightClustering();

    private TechniqueResult cluster(String settings, List<FineTuner.Recipe> recipes, List<OnnxModel> teachers) {
        TechniqueContext ctx = FineTuneRecording.context(recipes, teachers, r -> r);
        return t.apply(TinyModels.cnn(), t.configure(FineTuneRecording.settings(
                Map.of("k", "4", "finetune", "1"), settings)), ctx);
    }

    @Test
    void defaults_trainOnTheLabelsOnly() {
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        TechniqueResult r = cluster("", recipes, teachers);
        assertEquals(List.of(FineTuner.Recipe.PLAIN), recipes);
        assertFalse(r.stats().containsKey("teacher"));
        assertTrue(r.notes().stream().anyMatch(n -> n.equals("fine-tuned the centroids for 1 epoch(s)")), r.notes().toString());
    }

    @Test
    void distil_reachesTheTrainer_fromTheUnclusteredInput() {
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        OnnxModel plain = cluster("", recipes, teachers).model();
        TechniqueResult distilled = cluster("distil=true", recipes, teachers);
        assertEquals(new FineTuner.Recipe(true, null), recipes.get(1));
        assertEquals(TinyModels.cnn().sha256(), teachers.get(1).sha256(), "the teacher is the unclustered input");
        assertNotEquals(plain.sha256(), distilled.model().sha256(), "the teacher's outputs train other centroids");
        assertEquals(distilled.model().sha256(), cluster("distil=true", recipes, teachers).model().sha256(),
                "deterministic for the seed");
        assertTrue(distilled.notes().stream().anyMatch(n -> n.contains("distilled from the unclustered model")),
                distilled.notes().toString());
    }

    @Test
    void teacherFile_isDistilledFrom_andTheRecordNamesIt(@TempDir Path dir) {
        Path teacher = FineTuneRecording.sharperTeacher(dir);
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        OnnxModel fromInput = cluster("distil=true", recipes, teachers).model();
        TechniqueResult fromFile = cluster("distil=true,teacher=" + teacher, recipes, teachers);
        String sha = OnnxModel.load(teacher).sha256();
        assertEquals(sha, teachers.get(1).sha256());
        assertNotEquals(fromInput.sha256(), fromFile.model().sha256(), "another teacher trains other centroids");
        assertEquals(sha, fromFile.stats().get("teacherSha256"));
        assertTrue(fromFile.notes().stream().anyMatch(n -> n.contains("distilled from " + teacher)),
                fromFile.notes().toString());
    }

    @Test
    void teacherFile_withoutDistillation_orMissing_isRefusedAtConfigure_namingTheField(@TempDir Path dir) {
        Path teacher = FineTuneRecording.sharperTeacher(dir);
        for (Map<String, String> bad : List.of(
                Map.of("k", "4", "finetune", "1", "teacher", teacher.toString()),
                Map.of("k", "4", "distil", "true", "teacher", teacher.toString()),
                Map.of("k", "4", "finetune", "1", "distil", "true", "teacher", dir.resolve("no.onnx").toString()))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.configure(bad));
            assertTrue(e.getMessage().contains("field 'teacher'"), e.getMessage());
        }
    }

    @Test
    void teacherFile_ofAnotherInputSize_isRefusedBeforeWork_namingTheSizes(@TempDir Path dir) {
        Path other = dir.resolve("mlp16.onnx");
        TinyModels.mlp().save(other);
        var c = t.configure(Map.of("k", "4", "finetune", "1", "distil", "true", "teacher", other.toString()));
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> t.check(TinyModels.cnn(), c));
        assertTrue(e.getMessage().contains("takes 64 values per image") && e.getMessage().contains("takes 16"),
                e.getMessage());
    }
}
