package io.tinyfleet.compression.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tinyfleet.compression.CompressionTechnique;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.WireSize;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An ordered list of configured techniques, written as text
 * ({@code prune:sparsity=0.8,finetune=1 > cluster:k=16 > quantize:int8}) or YAML
 * (a list of such step strings, or of {@code {quantize: {mode: int8, method: entropy}}} maps,
 * optionally under {@code steps:}). Every step is resolved and its config validated when the
 * pipeline is parsed; {@link #run} checks that every step supports the input before any runs.
 */
public final class Pipeline {

    /** One configured step. */
    public record Step(CompressionTechnique technique, TechniqueConfig config) {

        /** Canonical pipeline text of the step. */
        public String text() {
            return technique.stepText(config);
        }
    }

    /** What a run produced. */
    public record Result(OnnxModel model, List<StepRecord> steps, String outputId) {
    }

    /**
     * A step failed after the steps before it had run: {@link #completed} holds their output (with its
     * provenance) so that the caller can keep the work done, or is null when the first step failed.
     */
    public static final class StepFailedException extends IllegalStateException {
        private final transient Result completed;

        StepFailedException(String message, Throwable cause, Result completed) {
            super(message, cause);
            this.completed = completed;
        }

        /** The output of the steps that ran before the failing one, or null when the first failed. */
        public Result completed() {
            return completed;
        }
    }

    private final List<Step> steps;

    /** A pipeline of already configured steps. */
    public Pipeline(List<Step> steps) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("pipeline has no steps");
        }
        this.steps = List.copyOf(steps);
    }

    /** The steps. */
    public List<Step> steps() {
        return steps;
    }

    /** Whether some step chooses by accuracy on validation images ({@link CompressionTechnique#choosesOnValidation}). */
    public boolean choosesOnValidation() {
        return steps.stream().anyMatch(s -> s.technique().choosesOnValidation(s.config()));
    }

    /** Canonical text: steps with all settings (defaults included) joined by {@code " > "}. */
    public String toText() {
        List<String> t = new ArrayList<>();
        steps.forEach(s -> t.add(s.text()));
        return String.join(" > ", t);
    }

    @Override
    public String toString() {
        return toText();
    }

    /**
     * Parses pipeline text or YAML (detected by a line break or a leading {@code steps:} / {@code -}).
     *
     * @throws IllegalArgumentException naming the step (position and text) and the problem
     */
    public static Pipeline parse(String spec, TechniqueRegistry registry) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty pipeline: give steps like 'prune:sparsity=0.8 > quantize:int8'");
        }
        String s = spec.strip();
        if (s.contains("\n") || s.startsWith("steps:") || s.startsWith("-") || s.startsWith("[")) {
            return parseYaml(s, registry);
        }
        List<Step> steps = new ArrayList<>();
        String[] parts = s.split(">");
        for (int i = 0; i < parts.length; i++) {
            steps.add(parseStep(parts[i].strip(), i + 1, registry));
        }
        return new Pipeline(steps);
    }

    private static Step parseStep(String text, int index, TechniqueRegistry registry) {
        String where = "pipeline step " + index + " '" + text + "'";
        if (text.isEmpty()) {
            throw new IllegalArgumentException(where + ": empty step (two '>' in a row?)");
        }
        int colon = text.indexOf(':');
        String name = (colon < 0 ? text : text.substring(0, colon)).strip();
        String args = colon < 0 ? "" : text.substring(colon + 1).strip();
        String mode = null;
        Map<String, String> values = new LinkedHashMap<>();
        if (!args.isEmpty()) {
            String[] kv = args.split(",");
            for (int i = 0; i < kv.length; i++) {
                String a = kv[i].strip();
                int eq = a.indexOf('=');
                if (eq < 0) {
                    if (i == 0) {
                        mode = a;
                        continue;
                    }
                    throw new IllegalArgumentException(where + ": setting '" + a + "' is not key=value");
                }
                String k = a.substring(0, eq).strip();
                if (values.put(k, a.substring(eq + 1).strip()) != null) {
                    throw new IllegalArgumentException(where + ": field '" + k + "' given twice");
                }
            }
        }
        return configure(name, mode, values, where, registry);
    }

    private static Step configure(String name, String mode, Map<String, String> values, String where,
                                  TechniqueRegistry registry) {
        try {
            CompressionTechnique t = registry.find(name, mode);
            return new Step(t, t.configure(values));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static Pipeline parseYaml(String yaml, TechniqueRegistry registry) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException("pipeline YAML does not parse: " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode list = root != null && root.isObject() ? root.path("steps") : root;
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException("pipeline YAML must be a list of steps or have a 'steps:' list");
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        for (JsonNode n : list) {
            i++;
            if (n.isTextual()) {
                steps.add(parseStep(n.asText().strip(), i, registry));
            } else if (n.isObject() && n.size() == 1) {
                String name = n.fieldNames().next();
                JsonNode body = n.get(name);
                Map<String, String> values = new LinkedHashMap<>();
                String mode = null;
                if (body.isObject()) {
                    var it = body.fields();
                    while (it.hasNext()) {
                        var e = it.next();
                        if (e.getKey().equals("mode")) {
                            mode = e.getValue().asText();
                        } else {
                            values.put(e.getKey(), e.getValue().asText());
                        }
                    }
                } else if (body.isTextual()) {
                    mode = body.asText();
                } else if (!body.isNull()) {
                    throw new IllegalArgumentException("pipeline step " + i + " '" + name
                            + "': settings must be a map of field: value");
                }
                steps.add(configure(name, mode, values, "pipeline step " + i + " '" + name + "'", registry));
            } else {
                throw new IllegalArgumentException("pipeline step " + i + " must be a string like 'cluster:k=16' or a "
                        + "one-key map like {cluster: {k: 16}}");
            }
        }
        return new Pipeline(steps);
    }

    /**
     * Runs every step in order. Before anything runs, each step's {@link CompressionTechnique#unsupported}
     * is asked about the input; then before each step again about that step's actual input.
     *
     * @param measurer figures before and after each step ({@link ModelMeasurer#NONE} for none); a step's
     *                 {@code fileBytes} and {@code wireBytes} are those of its output with the provenance
     *                 written (in the provenance itself the last step's sizes lack its own record)
     * @param log      one line per step as it starts and ends
     * @throws StepFailedException naming the step that failed and why, with the output of the steps before it
     */
    public Result run(OnnxModel input, TechniqueContext ctx, ModelMeasurer measurer, Consumer<String> log) {
        List<String> refusals = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            for (String why : s.technique().unsupported(input, s.config())) {
                refusals.add("step " + (i + 1) + " " + s.text() + ": " + why);
            }
        }
        if (!refusals.isEmpty()) {
            throw new io.tinyfleet.compression.UnsupportedModelException("pipeline", input.origin(), refusals);
        }
        String datasetSha = ctx.train() != null ? ctx.train().sha256() : null;
        List<StepRecord> records = new ArrayList<>();
        OnnxModel current = input;
        Metrics before = measurer.measure(input);
        String inputId = Provenance.id(input);
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            String text = s.text();
            log.accept("[" + (i + 1) + "/" + steps.size() + "] " + text);
            long t0 = System.nanoTime();
            TechniqueResult r;
            try {
                s.technique().check(current, s.config());
                r = s.technique().apply(current, s.config(), ctx);
            } catch (RuntimeException e) {
                throw new StepFailedException("pipeline step " + (i + 1) + " '" + text + "' failed: " + e.getMessage(),
                        e, i == 0 ? null : new Result(current, List.copyOf(records), inputId));
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            Metrics after = measurer.measure(r.model());
            String outId = Provenance.outputId(inputId, s.technique().id(), s.technique().version(),
                    s.config().toText(), ctx.seed());
            StepRecord rec = new StepRecord(i + 1, text, s.technique().id(), s.technique().version(),
                    s.config().values(), Provenance.contentSha256(current), Provenance.contentSha256(r.model()),
                    inputId, outId, before, after, Math.round(ms * 10) / 10.0, r.stats(), r.notes());
            records.add(rec);
            current = Provenance.write(r.model(), input, records, ctx.dataName(), datasetSha, ctx.seed());
            // a later step's refusal names this model: say which it is
            current = OnnxModel.of(current.proto(), input.origin() + " after step " + (i + 1));
            if (after != null) {
                // the sizes that ship: the output with its provenance (this step's record included)
                after = new Metrics(after.accuracy(), current.sizeBytes(), WireSize.of(current), after.parameters(),
                        after.macs(), after.latencyMs());
                records.set(i, rec.withAfter(after));
            }
            before = after;
            inputId = outId;
            log.accept("[" + (i + 1) + "/" + steps.size() + "] done in " + Math.round(ms) + " ms");
        }
        return new Result(current, records, inputId);
    }

    /** Runs a single technique the way a one-step pipeline does (checks, provenance), without measuring. */
    public static Result runOne(CompressionTechnique t, TechniqueConfig config, OnnxModel input, TechniqueContext ctx) {
        return new Pipeline(List.of(new Step(t, config))).run(input, ctx, ModelMeasurer.NONE, line -> { });
    }
}
