package io.tinyfleet.compression.search;

import io.tinyfleet.compression.FineTuner;
import io.tinyfleet.compression.Progress;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.TechniqueRegistry;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.profile.DeviceProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Wires a search to the real pieces: the compression pipeline ({@link PipelineStepRunner} over the
 * standard registry, with the trainer's fine-tuner) and the runtime's evaluator
 * ({@link RuntimeCandidateEvaluator}) on a labelled dataset. Used by {@code tinyfleet search},
 * {@code tinyfleet study} and the {@code search} bench suite.
 */
public final class SearchSetup {

    /**
     * Everything a search needs besides the model.
     *
     * @param data         dataset name or folder ({@code fashion-mnist})
     * @param techniques   technique names in the order given
     * @param tries        settings to try (replacing a technique's defaults)
     * @param maxDepth     longest pipeline (0: all techniques)
     * @param strategy     {@code auto}, {@code exhaustive}, {@code beam} or {@code beam:N}
     * @param profiles     device profile files
     * @param limits       budgets and floors
     * @param budget       time budget (zero: none)
     * @param evalLimit    images of each test half per candidate (0: all)
     * @param latencyRuns  timed batch-1 runs per candidate
     * @param seed         seed of every technique
     * @param cacheDir     folder keeping candidate models across runs, or null
     * @param prefer       what "best" means, see {@link Search#PREFERENCES}
     * @param calibration  calibration images for quantisation
     */
    public record Options(String data, List<String> techniques, List<Step> tries, int maxDepth, String strategy,
                          List<Path> profiles, Limits limits, Duration budget, int evalLimit, int latencyRuns,
                          long seed, Path cacheDir, String prefer, int calibration) {
    }

    private SearchSetup() {
    }

    /**
     * Settings tried for each technique when the user gives none: two per technique, a mild and a
     * strong one. Fine-tuning (one epoch) is asked for only when the trainer is available.
     */
    public static Map<String, List<Step>> defaults(boolean fineTune) {
        String ft = fineTune ? ",finetune=1" : "";
        Map<String, List<Step>> d = new LinkedHashMap<>();
        d.put("prune", List.of(Step.parse("prune:sparsity=0.7" + ft), Step.parse("prune:sparsity=0.9" + ft)));
        d.put("cluster", List.of(Step.parse("cluster:k=32" + ft), Step.parse("cluster:k=8" + ft)));
        d.put("quantize", List.of(Step.parse("quantize:int8"), Step.parse("quantize:fp16")));
        d.put("lowrank", List.of(Step.parse("lowrank:ratio=0.5"), Step.parse("lowrank:ratio=0.25")));
        d.put("distill", List.of(Step.parse("distill:width=0.5,epochs=2"), Step.parse("distill:width=0.25,epochs=2")));
        return d;
    }

    /**
     * Loads {@code o.data()} and runs the search on {@code model} named {@code name}.
     *
     * @param ft the trainer's fine-tuner for {@code finetune=N} settings, or null when none is available
     */
    public static SearchResult run(OnnxModel model, String name, Options o, FineTuner ft, Consumer<String> log) {
        LabeledImages[] tv = TechniqueContext.trainValidation(LabeledImages.load(o.data(), Split.TRAIN));
        LabeledImages test = LabeledImages.load(o.data(), Split.TEST);
        return run(model, name, o, tv[0], tv[1], test, ft, log);
    }

    /**
     * The test split cut into two interleaved halves: {@code [0]} the even-numbered images, which the
     * search decides on (front, accuracy floor, best per device), and {@code [1]} the odd-numbered ones,
     * which it reports accuracy on. Both are unseen by a baseline trained on the training split, which
     * the training images held out for steps are not (a model trained on all 60,000 Fashion-MNIST
     * images scores them far above its test accuracy: the project's LeNet-5 95.16 % against 90.29 %,
     * so fine-tuned candidates, which no longer remember them, would look worse than they are). Choosing
     * on the images it reports on would fit them: the winner of many noisy figures tends to be one that
     * drew a lucky sample.
     */
    public static LabeledImages[] selectionAndReport(LabeledImages test) {
        return new LabeledImages[] {test.subset(IntStream.range(0, test.count()).filter(i -> i % 2 == 0).toArray()),
                test.subset(IntStream.range(0, test.count()).filter(i -> i % 2 == 1).toArray())};
    }

    /** Runs the search on already loaded data; {@code test} is split by {@link #selectionAndReport}. */
    public static SearchResult run(OnnxModel model, String name, Options o, LabeledImages train,
                                   LabeledImages validation, LabeledImages test, FineTuner ft,
                                   Consumer<String> log) {
        SearchSpace space = SearchSpace.of(o.techniques(), o.tries(), defaults(ft != null), o.maxDepth());
        TechniqueContext ctx = new TechniqueContext(o.seed(), o.data(), train, validation, Preprocessing.DEFAULT,
                o.calibration(), Progress.NONE, ft);
        PipelineStepRunner runner = new PipelineStepRunner(TechniqueRegistry.standard(), ctx);
        runner.validate(space);
        List<DeviceProfile> profiles = new ArrayList<>();
        o.profiles().forEach(p -> profiles.add(DeviceProfile.load(p)));
        LabeledImages[] halves = selectionAndReport(test);
        RuntimeCandidateEvaluator eval = new RuntimeCandidateEvaluator(halves[1], halves[0], o.data(),
                Preprocessing.DEFAULT, o.evalLimit(), o.latencyRuns());
        Search.Config cfg = new Search.Config(name, o.data(), space, SearchStrategy.parse(o.strategy(), space),
                profiles, o.limits(), ProfileEstimator.forHost(eval.options().runtime().intraOpThreads()), o.budget(),
                o.cacheDir(), o.prefer());
        return Search.run(model, cfg, runner, eval, log);
    }
}
