package io.tinyfleet.compression.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.UnsupportedModelException;
import io.tinyfleet.compression.pipeline.ModelMeasurer;
import io.tinyfleet.compression.pipeline.Pipeline;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.compression.pipeline.StepRecord;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs search steps with the compression pipeline: each step is parsed and validated by
 * {@link Pipeline#parse} against the registry, run as a one-step pipeline on the parent (so the
 * provenance chain of the parent grows by one record) and identified by the pipeline's output id
 * (hash of parent id, technique, version, config and seed). A step that fails says why in the
 * technique's words, without the one-step pipeline's numbering ("step 1 ...", "pipeline step 1 ... failed").
 */
public final class PipelineStepRunner implements StepRunner {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TechniqueRegistry registry;
    private final TechniqueContext ctx;

    /** Steps resolved in {@code registry}, run with {@code ctx} (data, seed, fine-tuner). */
    public PipelineStepRunner(TechniqueRegistry registry, TechniqueContext ctx) {
        this.registry = registry;
        this.ctx = ctx;
    }

    /**
     * Checks that every step of the space parses (unknown technique, bad setting), so a typo fails
     * before the search starts rather than as hundreds of failed candidates.
     */
    public void validate(SearchSpace space) {
        space.settings().values().forEach(steps -> steps.forEach(s -> Pipeline.parse(s.text(), registry)));
    }

    @Override
    public Output apply(OnnxModel parent, String parentId, Step step) {
        Pipeline p = Pipeline.parse(step.text(), registry);
        Pipeline.Step only = p.steps().get(0);
        Pipeline.Result r;
        try {
            r = p.run(parent, ctx, ModelMeasurer.NONE, line -> { });
        } catch (UnsupportedModelException e) {
            // a one-step pipeline numbers its refusals "step 1 <step>: "; the search names the step itself
            String numbered = "step 1 " + only.text() + ": ";
            throw new UnsupportedModelException(only.technique().id(), parent.origin(), e.offending().stream()
                    .map(o -> o.startsWith(numbered) ? o.substring(numbered.length()) : o).toList());
        } catch (Pipeline.StepFailedException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        StepRecord rec = r.steps().get(0);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("technique", rec.technique());
        record.put("version", rec.version());
        record.put("canonical", rec.step());
        record.put("millis", rec.millis());
        @SuppressWarnings("unchecked")
        Map<String, Object> stats = JSON.convertValue(rec.stats(), Map.class);
        record.put("stats", stats);
        record.put("notes", rec.notes());
        return new Output(r.model(), r.outputId(), record);
    }

    @Override
    public String idOf(OnnxModel model) {
        return Provenance.id(model);
    }
}
