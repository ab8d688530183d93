package io.tinyfleet.runtime.bench;

import java.util.List;
import java.util.Map;

/**
 * What {@link Evaluator#evaluate} measured. Serialises to JSON as it is (Jackson reads records);
 * missing figures are null, never invented.
 *
 * @param model                where the model came from
 * @param modelSha256          SHA-256 of the serialised model
 * @param modelBytes           serialised size
 * @param dataset              data name, or {@code random}
 * @param dataSha256           hash of the evaluated samples (null for random inputs)
 * @param samples              samples classified in the accuracy pass (0 for random inputs)
 * @param accuracy             top-1 accuracy in [0, 1], null without labels or class scores
 * @param correct              correctly classified samples, null like accuracy
 * @param batch                batch size actually used for {@code latencyBatchMs} and the accuracy pass
 * @param latencyMs            latency of one run at the smallest batch (1, or the model's fixed batch)
 * @param latencyBatchMs       latency of one run at {@code batch}
 * @param throughputPerSec     samples per second: of the accuracy pass (preprocessing and tensor creation
 *                             included) with data, or {@code batch / mean batched latency} without
 * @param loadMs               session creation time (parse, optimise, allocate)
 * @param firstRunMs           the first run after loading (includes lazy allocation)
 * @param rssBytes             peak resident set of the process ({@code VmHWM}) after the evaluation
 * @param rssBeforeLoadBytes   resident set just before the session was created
 * @param rssGrowthOnLoadBytes resident set after loading minus before
 * @param rssGrowthOnRunBytes  resident set after all runs minus after loading (arena, buffers)
 * @param providers            execution providers in use
 * @param threads              intra-op threads
 * @param optLevel             graph optimisation level
 * @param inputShapes          shape fed to each input at {@code batch}
 * @param notes                what the user should know (fixed batch, substituted symbolic dims...)
 * @param profile              per-op and per-node time at {@code batch}, when profiling was asked for
 */
public record EvalReport(String model, String modelSha256, long modelBytes, String dataset, String dataSha256,
                         int samples, Double accuracy, Integer correct, int batch, LatencyStats latencyMs,
                         LatencyStats latencyBatchMs, double throughputPerSec, double loadMs, double firstRunMs,
                         Long rssBytes, Long rssBeforeLoadBytes, Long rssGrowthOnLoadBytes, Long rssGrowthOnRunBytes,
                         List<String> providers, int threads, String optLevel, Map<String, List<Long>> inputShapes,
                         List<String> notes, OpProfile profile) {

    /** Median latency at the smallest batch, in ms. */
    public double p50Ms() {
        return latencyMs.p50();
    }
}
