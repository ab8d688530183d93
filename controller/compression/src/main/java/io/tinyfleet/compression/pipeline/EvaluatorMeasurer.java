package io.tinyfleet.compression.pipeline;

import io.tinyfleet.runtime.bench.EvalOptions;
import io.tinyfleet.runtime.bench.EvalReport;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.inspect.Inspection;
import io.tinyfleet.runtime.inspect.Inspector;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.WireSize;

/**
 * Measures models with the runtime's shared tools: {@link Evaluator} (accuracy, p50 latency at
 * batch 1), {@link WireSize} (zstd bytes) and {@link Inspector} (parameters, MACs), so compression
 * figures agree with {@code tinyfleet eval} and {@code inspect}.
 */
public final class EvaluatorMeasurer implements ModelMeasurer {

    private final EvalOptions options;

    /**
     * @param test          labelled evaluation data, or null (no accuracy)
     * @param dataName      its name for reports
     * @param preprocessing pixel to input
     * @param limit         evaluate at most this many samples (0: all)
     * @param latencyRuns   timed runs for the latency figure
     */
    public EvaluatorMeasurer(LabeledImages test, String dataName, Preprocessing preprocessing, int limit,
                             int latencyRuns) {
        EvalOptions o = EvalOptions.random().withPreprocessing(preprocessing).withLimit(limit)
                .withBatch(32).withRuns(Math.max(3, latencyRuns / 10), latencyRuns);
        this.options = test == null ? o : o.withData(test, dataName);
    }

    @Override
    public Metrics measure(OnnxModel model) {
        EvalReport r = Evaluator.evaluate(model, options);
        Long macs = null;
        long params;
        long wire;
        try {
            Inspection i = Inspector.inspect(model);
            macs = i.macsComplete() ? i.macs() : null;
            params = i.parameters();
            wire = i.wireBytes(); // WireSize.of, already packed by the inspection
        } catch (RuntimeException e) {
            params = io.tinyfleet.compression.graph.Graphs.floatParameters(model);
            wire = WireSize.of(model);
        }
        Double acc = r.accuracy() == null ? null : Math.round(r.accuracy() * 1e5) / 1e5;
        return new Metrics(acc, model.sizeBytes(), wire, params, macs,
                Math.round(r.p50Ms() * 1e4) / 1e4);
    }
}
