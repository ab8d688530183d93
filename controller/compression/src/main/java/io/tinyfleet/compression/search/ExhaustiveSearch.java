package io.tinyfleet.compression.search;

import java.util.List;
import java.util.function.Consumer;

/**
 * Every pipeline of the space, shortest first, so that a budget cut leaves every short pipeline
 * measured. Each pipeline is walked from the baseline through the {@link CandidateTree}: its prefix
 * comes from the cache and only its last step runs, and every prefix is itself a candidate.
 */
public final class ExhaustiveSearch implements SearchStrategy {

    @Override
    public String describe() {
        return "exhaustive";
    }

    @Override
    public boolean run(SearchSpace space, CandidateTree tree, Deadline deadline,
                       Consumer<CandidateTree.Node> measured) {
        for (List<Step> pipeline : space.pipelines()) {
            CandidateTree.Node n = tree.root();
            for (Step s : pipeline) {
                if (deadline.passed()) {
                    return false;
                }
                boolean fresh = !tree.contains(n, s);
                n = tree.child(n, s);
                if (fresh) {
                    tree.measure(n);
                    measured.accept(n);
                }
                if (n.error() != null) {
                    break;
                }
            }
        }
        return true;
    }
}
