package io.tinyfleet.compression.prune;

import io.tinyfleet.compression.ConfigField;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.distill.KnowledgeDistillation;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.List;
import java.util.Map;

/**
 * The {@code teacher} field the pruning steps share: with {@code distil=true} their fine-tuning
 * distils (Hinton et al. 2015) from the step's unpruned input ({@code teacher=input}) or from another
 * ONNX model with the same input and classes, such as a larger one. The file is checked with
 * distillation's own checks before any work.
 */
final class TeacherOption {

    private TeacherOption() {
    }

    /** The field, for a technique's config spec. */
    static ConfigField field() {
        return ConfigField.text("teacher", "input", "with distil=true, the model distilled from: input (this step's "
                + "unpruned input) or the path of an ONNX model with the same input and classes, e.g. a larger one");
    }

    /** Refuses at configure time, naming the field, a teacher file without distillation or that is no file. */
    static void check(String id, TechniqueConfig c) {
        if (KnowledgeDistillation.teacherFile(c) && (!c.bool("distil") || c.integer("finetune") == 0)) {
            throw new IllegalArgumentException(id + ": field 'teacher' = " + c.text("teacher") + " is distilled "
                    + "from only with distil=true and finetune >= 1");
        }
        KnowledgeDistillation.checkTeacherField(id, c);
    }

    /** What keeps the teacher file from teaching {@code model}; empty for {@code teacher=input}. */
    static List<String> problems(OnnxModel model, TechniqueConfig c) {
        return KnowledgeDistillation.teacherFile(c)
                ? KnowledgeDistillation.teacherFileProblems(model, c.text("teacher")) : List.of();
    }

    /** The model the fine-tuning distils from: the file's, or {@code input}. */
    static OnnxModel teacher(OnnxModel input, TechniqueConfig c) {
        return KnowledgeDistillation.teacher(input, c);
    }

    /** What the fine-tuning note says it distilled from, or "" without distillation. */
    static String distilledFrom(TechniqueConfig c) {
        return !c.bool("distil") ? "" : ", distilled from "
                + (KnowledgeDistillation.teacherFile(c) ? c.text("teacher") : "the unpruned model");
    }

    /** Names a teacher file and its sha256 in the step's record. */
    static void record(Map<String, Object> stats, OnnxModel teacher, TechniqueConfig c) {
        if (KnowledgeDistillation.teacherFile(c)) {
            stats.put("teacher", c.text("teacher"));
            stats.put("teacherSha256", teacher.sha256());
        }
    }
}
