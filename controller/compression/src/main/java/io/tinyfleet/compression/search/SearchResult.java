package io.tinyfleet.compression.search;

import java.util.List;
import java.util.Map;

/**
 * Everything a search found: the baseline, every candidate, the constraints of each device and
 * the best feasible candidate for it, and how much the cache saved. Written as {@code results.json}.
 *
 * @param model           model name
 * @param modelSha256     SHA-256 of the baseline file
 * @param dataset         evaluation data name
 * @param strategy        strategy name and its parameters
 * @param techniques      techniques searched, with the settings tried
 * @param baseline        the input model measured like the candidates
 * @param candidates      every pipeline measured, in the order evaluated
 * @param constraints     per profile id, the hard limits
 * @param best            per profile id, the choice or why there is none
 * @param estimates       how device latency and energy were estimated, and this machine's figures
 * @param cache           reuse counters
 * @param pipelinesInSpace pipelines in the whole space
 * @param excluded        pipelines left out of the space before the search, by reason (see {@link SearchSpace#blocker})
 * @param budgetSeconds   time budget (0: none)
 * @param elapsedSeconds  time the search took
 * @param budgetExhausted true when the budget stopped the search before it was done
 * @param notes           what the reader must know
 */
public record SearchResult(String model, String modelSha256, String dataset, String strategy,
                           Map<String, List<String>> techniques, Candidate baseline, List<Candidate> candidates,
                           Map<String, DeviceConstraints> constraints, Map<String, Best> best,
                           Map<String, Object> estimates, CandidateTree.Stats cache, long pipelinesInSpace,
                           Map<String, Long> excluded,
                           double budgetSeconds, double elapsedSeconds, boolean budgetExhausted, List<String> notes) {

    /**
     * The pick for one device.
     *
     * @param profile    profile id
     * @param pipeline   the chosen pipeline, or null when none is feasible
     * @param prefer     what "best" minimised or maximised among feasible candidates
     * @param reason     one sentence: why this one, or which constraints no candidate meets
     * @param unmet      constraints no candidate meets even alone (empty when a choice exists)
     */
    public record Best(String profile, String pipeline, String prefer, String reason, List<String> unmet) {
    }
}
