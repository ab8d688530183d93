package io.tinyfleet.compression.prune;

import io.tinyfleet.compression.FineTuner;
import io.tinyfleet.compression.FineTuners;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueContractTestAccess;
import io.tinyfleet.compression.TinyModels;
import io.tinyfleet.compression.graph.Edit;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Contexts for the pruning techniques' fine-tuning tests, with the real trainer watched. */
final class FineTuneRecording {

    private FineTuneRecording() {
    }

    /**
     * The 8x8 context of the contract tests with the real trainer, recording what each fine-tune was
     * asked ({@code recipes}, {@code teachers}) and handing the trainer {@code passOn} of the recipe.
     */
    static TechniqueContext context(List<FineTuner.Recipe> recipes, List<OnnxModel> teachers,
                                    UnaryOperator<FineTuner.Recipe> passOn) {
        FineTuner real = FineTuners.standard();
        FineTuner rec = (model, epochs, masks, clusters, ctx, teacher, recipe) -> {
            recipes.add(recipe);
            teachers.add(teacher);
            return real.fineTune(model, epochs, masks, clusters, ctx, teacher, passOn.apply(recipe));
        };
        return TechniqueContractTestAccess.context("cnn").withFineTuner(rec);
    }

    /** {@code base} with the {@code key=value} pairs of {@code text} ("a=1,b=2", or empty) put over it. */
    static Map<String, String> settings(Map<String, String> base, String text) {
        Map<String, String> v = new LinkedHashMap<>(base);
        for (String kv : text.split(",")) {
            if (!kv.isEmpty()) {
                v.put(kv.split("=")[0], kv.split("=")[1]);
            }
        }
        return v;
    }

    /** The test CNN with its classifier weights doubled: same input and classes, other outputs. */
    static Path sharperTeacher(Path dir) {
        OnnxModel cnn = TinyModels.cnn();
        Edit e = new Edit(cnn.graph());
        float[] fw = Tensors.toFloats(cnn.initializers().get("fw"));
        for (int i = 0; i < fw.length; i++) {
            fw[i] *= 2;
        }
        e.initializers.put("fw", Tensors.floats("fw", new long[] {10, 128}, fw));
        Path p = dir.resolve("teacher.onnx");
        cnn.withGraph(e.build()).save(p);
        return p;
    }
}
