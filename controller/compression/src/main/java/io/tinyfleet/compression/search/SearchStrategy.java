package io.tinyfleet.compression.search;

import java.util.function.Consumer;

/**
 * How the search walks the space: which pipelines it builds, in which order. Every node it makes
 * must be measured through {@link CandidateTree#measure} and handed to {@code measured}.
 */
public interface SearchStrategy {

    /** Name and parameters, e.g. {@code exhaustive} or {@code pareto-beam(width=8)}. */
    String describe();

    /**
     * Walks the space.
     *
     * @return false when the deadline stopped it before it was done
     */
    boolean run(SearchSpace space, CandidateTree tree, Deadline deadline, Consumer<CandidateTree.Node> measured);

    /** The usual choice: exhaustive when the space has at most {@code exhaustiveLimit} pipelines, else beam. */
    static SearchStrategy auto(SearchSpace space, int exhaustiveLimit, int beamWidth) {
        return space.pipelines().size() <= exhaustiveLimit ? new ExhaustiveSearch() : new ParetoBeamSearch(beamWidth);
    }

    /**
     * Parses {@code exhaustive}, {@code beam} or {@code beam:N}; {@code auto} picks by space size.
     *
     * @throws IllegalArgumentException naming the text
     */
    static SearchStrategy parse(String text, SearchSpace space) {
        String t = text.strip();
        if (t.equals("auto")) {
            return auto(space, 400, 8);
        }
        if (t.equals("exhaustive")) {
            return new ExhaustiveSearch();
        }
        if (t.equals("beam")) {
            return new ParetoBeamSearch(8);
        }
        if (t.startsWith("beam:")) {
            try {
                return new ParetoBeamSearch(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("strategy '" + text + "': width must be a whole number");
            }
        }
        throw new IllegalArgumentException("strategy '" + text + "' must be auto, exhaustive, beam or beam:WIDTH");
    }
}
