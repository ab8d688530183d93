package io.tinyfleet.compression.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.FineTuner;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelPruningFineTuneTest {

    private final ChannelPruning t = new ChannelPruning();

    @Test
    void badDistilOrLearningRate_namesTheField() {
        for (String[] bad : List.of(new String[] {"distil", "maybe"}, new String[] {"lr", "0"},
                new String[] {"lr", "fast"})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.configure(Map.of("ratio", "0.5", bad[0], bad[1])));
            assertTrue(e.getMessage().contains("'" + bad[0] + "'"), e.getMessage());
        }
    }

    @Test
    void defaults_distilAtTheMeasuredLearningRate() {
        var c = t.configure(Map.of("ratio", "0.5"));
        assertTrue(c.bool("distil"));
        assertEquals(4e-3, c.number("lr"), 1e-12);
    }

    private float[] tunedWeight(String settings, List<FineTuner.Recipe> recipes, List<OnnxModel> teachers) {
        TechniqueContext ctx = FineTuneRecording.context(recipes, teachers, r -> r);
        OnnxModel out = t.apply(TinyModels.cnn(), t.configure(FineTuneRecording.settings(
                Map.of("ratio", "0.5", "finetune", "1"), settings)), ctx).model();
        return Tensors.toFloats(out.initializers().get("c1w"));
    }

    @Test
    void distilAndLearningRate_reachTheTrainer_andChangeWhatItLearns() {
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        float[] plain = tunedWeight("distil=false,lr=0.002", recipes, teachers);
        float[] faster = tunedWeight("distil=false,lr=0.004", recipes, teachers);
        float[] distilled = tunedWeight("distil=true,lr=0.002", recipes, teachers);
        assertEquals(List.of(new FineTuner.Recipe(false, 0.002), new FineTuner.Recipe(false, 0.004),
                new FineTuner.Recipe(true, 0.002)), recipes);
        assertNotNull(teachers.get(2));
        assertEquals(TinyModels.cnn().sha256(), teachers.get(2).sha256(), "the teacher is the unpruned model");
        assertFalse(Arrays.equals(plain, faster), "a higher learning rate trains other weights");
        assertFalse(Arrays.equals(plain, distilled), "the teacher's outputs train other weights");
        assertTrue(Arrays.equals(plain, tunedWeight("distil=false,lr=0.002", recipes, teachers)),
                "deterministic for the seed");
    }

    @Test
    void teacherFile_isWhatTheFineTuningDistilsFrom_andTheRecordNamesIt(@TempDir Path dir) {
        Path teacher = FineTuneRecording.sharperTeacher(dir);
        List<FineTuner.Recipe> recipes = new ArrayList<>();
        List<OnnxModel> teachers = new ArrayList<>();
        float[] fromInput = tunedWeight("", recipes, teachers);
        float[] fromFile = tunedWeight("teacher=" + teacher, recipes, teachers);
        String sha = OnnxModel.load(teacher).sha256();
        assertEquals(sha, teachers.get(1).sha256());
        assertFalse(Arrays.equals(fromInput, fromFile), "another teacher trains other weights");
        var r = t.apply(TinyModels.cnn(), t.configure(Map.of("ratio", "0.5", "finetune", "1", "teacher",
                teacher.toString())), FineTuneRecording.context(new ArrayList<>(), new ArrayList<>(), x -> x));
        assertEquals(sha, r.stats().get("teacherSha256"));
        assertTrue(r.notes().contains("fine-tuned 1 epoch(s), distilled from " + teacher), r.notes().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.configure(Map.of("ratio", "0.5", "teacher", teacher.toString())));
        assertTrue(e.getMessage().contains("field 'teacher'") && e.getMessage().contains("finetune >= 1"),
                e.getMessage());
    }
}
