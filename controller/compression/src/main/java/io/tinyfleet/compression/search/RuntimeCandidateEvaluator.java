package io.tinyfleet.compression.search;

import io.tinyfleet.runtime.bench.EvalOptions;
import io.tinyfleet.runtime.bench.EvalReport;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.WireSize;

/**
 * Measures candidates with the runtime's one harness ({@link Evaluator}): top-1 accuracy on the
 * images the search reports on and, when given, on the ones it decides on, median batch-1
 * latency (one intra-op thread), file size, zstd wire size ({@link WireSize}) and the resident memory
 * the model added while loaded and run. The memory figure is RSS growth of this JVM, so it is
 * approximate (allocator reuse can hide growth).
 */
public final class RuntimeCandidateEvaluator implements CandidateEvaluator {

    private final EvalOptions options;
    private final LabeledImages selection;

    /**
     * @param test        held-out labelled images the candidates' accuracy is reported on
     * @param selection   other held-out labelled images, which the search decides on, or null to decide
     *                    on {@code test}
     * @param dataName    its name
     * @param pre         pixel preprocessing
     * @param limit       evaluate at most this many images of each set (0: all)
     * @param latencyRuns timed batch-1 runs for the latency median
     */
    public RuntimeCandidateEvaluator(LabeledImages test, LabeledImages selection, String dataName, Preprocessing pre,
                                     int limit, int latencyRuns) {
        this.options = EvalOptions.on(test, dataName).withPreprocessing(pre).withLimit(limit).withBatch(64)
                .withRuns(Math.max(3, latencyRuns / 10), latencyRuns);
        this.selection = selection == null || limit <= 0 || selection.count() <= limit ? selection
                : selection.head(limit);
    }

    /** The options used (threads, runs...). */
    public EvalOptions options() {
        return options;
    }

    @Override
    public Measurement evaluate(OnnxModel model) {
        EvalReport r = Evaluator.evaluate(model, options);
        Long mem = null;
        if (r.rssGrowthOnLoadBytes() != null && r.rssGrowthOnRunBytes() != null) {
            mem = Math.max(0, r.rssGrowthOnLoadBytes()) + Math.max(0, r.rssGrowthOnRunBytes());
        }
        long params = 0;
        for (var t : model.initializers().values()) {
            params += io.tinyfleet.runtime.model.Tensors.numel(t);
        }
        Double sel = selection == null ? null : Evaluator.accuracy(model, selection, options.preprocessing(),
                options.runtime().intraOpThreads());
        return new Measurement(r.accuracy(), sel, model.sizeBytes(), WireSize.of(model), mem, r.p50Ms(), params);
    }
}
