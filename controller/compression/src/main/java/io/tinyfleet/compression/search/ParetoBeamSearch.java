package io.tinyfleet.compression.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * A budgeted search for spaces too large to walk whole: depth by depth, it applies every possible
 * next step to the {@code width} best pipelines of the previous depth only, "best" meaning lowest
 * Pareto rank (non-dominated sorting over accuracy, wire size and latency), ties broken by accuracy.
 * Depth 1 (every single technique with every setting) is always complete, so each technique is seen
 * on its own; longer pipelines grow only from the promising ones.
 *
 * @param width pipelines kept per depth (&ge; 1)
 */
public record ParetoBeamSearch(int width) implements SearchStrategy {

    /** Checks the width. */
    public ParetoBeamSearch {
        if (width < 1) {
            throw new IllegalArgumentException("beam width must be >= 1, got " + width);
        }
    }

    @Override
    public String describe() {
        return "pareto-beam(width=" + width + ")";
    }

    @Override
    public boolean run(SearchSpace space, CandidateTree tree, Deadline deadline,
                       Consumer<CandidateTree.Node> measured) {
        List<CandidateTree.Node> beam = List.of(tree.root());
        for (int depth = 1; depth <= space.maxDepth(); depth++) {
            List<CandidateTree.Node> level = new ArrayList<>();
            for (CandidateTree.Node parent : beam) {
                for (Step s : space.next(parent.order())) {
                    if (deadline.passed()) {
                        return false;
                    }
                    boolean fresh = !tree.contains(parent, s);
                    CandidateTree.Node n = tree.child(parent, s);
                    if (fresh) {
                        tree.measure(n);
                        measured.accept(n);
                    }
                    if (n.error() == null && n.measurement() != null) {
                        level.add(n);
                    }
                }
            }
            beam = keep(level, width);
            if (beam.isEmpty()) {
                return true;
            }
        }
        return true;
    }

    /** The {@code width} nodes of lowest Pareto rank, ties by higher accuracy. */
    static List<CandidateTree.Node> keep(List<CandidateTree.Node> level, int width) {
        List<Objective<CandidateTree.Node>> obj = Search.nodeObjectives();
        int[] rank = ParetoFront.ranks(level, obj);
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < level.size(); i++) {
            if (rank[i] != Integer.MAX_VALUE) {
                idx.add(i);
            }
        }
        idx.sort(Comparator.<Integer>comparingInt(i -> rank[i])
                .thenComparing(i -> -accuracy(level.get(i))));
        return idx.stream().limit(width).map(level::get).toList();
    }

    private static double accuracy(CandidateTree.Node n) {
        Double a = n.measurement().decidingAccuracy();
        return a == null ? 0 : a;
    }
}
