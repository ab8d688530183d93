package io.tinyfleet.compression.quantize.mixed;

import io.tinyfleet.compression.CompressionTechnique;
import io.tinyfleet.compression.ConfigField;
import io.tinyfleet.compression.ConfigSpec;
import io.tinyfleet.compression.TechniqueConfig;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueResult;
import io.tinyfleet.compression.quantize.qdq.StaticQdqQuantization;
import io.tinyfleet.runtime.bench.EvalOptions;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Mixed precision by per-layer sensitivity: each quantizable layer is quantized alone (static int8
 * QDQ) and the accuracy drop on held-out data is its sensitivity; then every layer is quantized and,
 * while the drop exceeds the budget, the most sensitive layer still quantized goes back to float
 * (the one-layer-at-a-time sensitivity analysis of Krishnamoorthi 2018, section 3.7, and of ZeroQ's
 * and HAWQ's layer ranking, here measured directly instead of estimated from the Hessian).
 */
public final class SensitivityMixedPrecision implements CompressionTechnique {

    /** Technique id. */
    public static final String ID = "quantize.mixed";

    private static final ConfigSpec SPEC = ConfigSpec.of(ID,
            ConfigField.number("budget", 0.5, 0, false, 100, false, "accuracy loss allowed, in points (percent)"),
            ConfigField.choice("method", "activation calibration of the int8 layers", "minmax", "percentile", "entropy"),
            ConfigField.integer("samples", 128L, 1, 100_000, "calibration images from the training split"),
            ConfigField.integer("eval", 1000L, 10, 1_000_000, "held-out images measuring each accuracy"));

    private final StaticQdqQuantization int8 = new StaticQdqQuantization();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String step() {
        return "quantize";
    }

    @Override
    public String mode() {
        return "mixed";
    }

    @Override
    public int version() {
        return 1;
    }

    @Override
    public String description() {
        return "int8 QDQ except the most accuracy-sensitive layers, kept float to meet an accuracy budget (points)";
    }

    @Override
    public ConfigSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> unsupported(OnnxModel model, TechniqueConfig config) {
        return int8.unsupported(model, int8Config(config));
    }

    private TechniqueConfig int8Config(TechniqueConfig c) {
        return int8.configure(Map.of("method", c.text("method"), "samples", c.text("samples")));
    }

    @Override
    public boolean choosesOnValidation(TechniqueConfig config) {
        return true;
    }

    @Override
    public TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx) {
        if (ctx.validation() == null) {
            throw new IllegalStateException("quantize:mixed measures accuracy per layer: it needs validation images "
                    + "held out of the training data (give --data)");
        }
        double budget = config.number("budget") / 100.0;
        TechniqueConfig q = int8Config(config);
        EvalOptions eo = EvalOptions.on(ctx.validation(), ctx.dataName()).withPreprocessing(ctx.preprocessing())
                .withLimit(config.integer("eval")).withRuns(0, 1).withBatch(64);
        double base = accuracy(model, eo);
        List<String> layers = StaticQdqQuantization.quantizableWeights(model);
        Map<String, Double> sensitivity = new LinkedHashMap<>();
        int done = 0;
        for (String layer : layers) {
            ctx.progress().report("sensitivity of " + layers.size() + " layers", (double) done++ / layers.size());
            Set<String> others = new LinkedHashSet<>(layers);
            others.remove(layer);
            OnnxModel only = int8.quantize(model, q, ctx, others).model();
            sensitivity.put(layer, round(base - accuracy(only, eo)));
        }
        ctx.progress().report("sensitivity of " + layers.size() + " layers", 1);
        List<String> bySensitivity = new ArrayList<>(layers);
        bySensitivity.sort(Comparator.comparing((String l) -> -sensitivity.get(l)).thenComparing(layers::indexOf));
        Set<String> keep = new LinkedHashSet<>();
        TechniqueResult r = int8.quantize(model, q, ctx, keep);
        double acc = accuracy(r.model(), eo);
        List<Object> trail = new ArrayList<>();
        trail.add(Map.of("keptFloat", List.copyOf(keep), "accuracy", round(acc)));
        for (String l : bySensitivity) {
            if (base - acc <= budget || keep.size() == layers.size() - 1) {
                break;
            }
            keep.add(l);
            r = int8.quantize(model, q, ctx, keep);
            acc = accuracy(r.model(), eo);
            trail.add(Map.of("keptFloat", List.copyOf(keep), "accuracy", round(acc)));
        }
        List<String> notes = new ArrayList<>(r.notes());
        boolean met = base - acc <= budget;
        notes.add((met ? "" : "WARNING: ") + "accuracy " + round(base) + " -> " + round(acc) + " on " + eo.limit()
                + " held-out images with " + keep.size() + " of " + layers.size() + " layers kept in float"
                + (met ? " (within the budget)" : "; the budget is not met even with all but one layer in float"));
        Map<String, Object> stats = new LinkedHashMap<>(r.stats());
        stats.put("budgetPoints", config.number("budget"));
        stats.put("floatAccuracy", round(base));
        stats.put("accuracy", round(acc));
        stats.put("sensitivity", sensitivity);
        stats.put("keptFloat", List.copyOf(keep));
        stats.put("search", trail);
        return new TechniqueResult(r.model(), stats, notes);
    }

    private static double accuracy(OnnxModel m, EvalOptions eo) {
        Double a = Evaluator.evaluate(m, eo).accuracy();
        if (a == null) {
            throw new IllegalStateException("the model's output gives no class scores to measure accuracy with");
        }
        return a;
    }

    private static double round(double x) {
        return Math.round(x * 1e5) / 1e5;
    }
}
