package io.tinyfleet.compression.search;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the search may combine: techniques, the settings to try for each, and the longest pipeline.
 * A pipeline uses each technique at most once, in any order, so the space holds every ordered
 * selection of 1..{@code maxDepth} techniques times every combination of their settings, except
 * the orders {@link #blocker} rules out: a step that rewrites float weights ({@code prune},
 * {@code prune-channels}, {@code cluster}, {@code lowrank}) cannot follow {@code cluster} or
 * {@code quantize}, which leave codebook indices or integer/fp16 weights behind. Those orders are
 * left out before the search starts and counted by reason ({@link #excluded()}), instead of
 * running and failing.
 *
 * @param settings technique name to the steps to try for it (at least one each), in the order given
 * @param maxDepth longest pipeline (1..number of techniques)
 */
public record SearchSpace(Map<String, List<Step>> settings, int maxDepth) {

    /** Copies, checks every step belongs to its technique and the depth fits. */
    public SearchSpace {
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("search space: name at least one technique");
        }
        Map<String, List<Step>> copy = new LinkedHashMap<>();
        settings.forEach((t, steps) -> {
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("search space: technique '" + t + "' has no setting to try");
            }
            for (Step s : steps) {
                if (!s.technique().equals(t)) {
                    throw new IllegalArgumentException("search space: step '" + s + "' listed under technique '" + t + "'");
                }
            }
            copy.put(t, List.copyOf(new LinkedHashSet<>(steps)));
        });
        settings = java.util.Collections.unmodifiableMap(copy);
        if (maxDepth < 1 || maxDepth > settings.size()) {
            throw new IllegalArgumentException("search space: depth must be in 1.." + settings.size() + ", got " + maxDepth);
        }
    }

    /**
     * A space over {@code techniques} (in that order) where each technique tries the steps of
     * {@code tries} that name it, or else its {@code defaults}.
     *
     * @throws IllegalArgumentException naming a technique with neither, or a try for a technique not searched
     */
    public static SearchSpace of(List<String> techniques, List<Step> tries, Map<String, List<Step>> defaults,
                                 int maxDepth) {
        Map<String, List<Step>> settings = new LinkedHashMap<>();
        for (String t : techniques) {
            if (settings.containsKey(t)) {
                throw new IllegalArgumentException("search space: technique '" + t + "' named twice");
            }
            List<Step> mine = tries.stream().filter(s -> s.technique().equals(t)).toList();
            if (mine.isEmpty()) {
                mine = defaults.getOrDefault(t, List.of());
            }
            if (mine.isEmpty()) {
                throw new IllegalArgumentException("search space: no settings for technique '" + t
                        + "': give some with --try '" + t + ":key=value' (techniques with defaults: "
                        + defaults.keySet() + ")");
            }
            settings.put(t, mine);
        }
        for (Step s : tries) {
            if (!settings.containsKey(s.technique())) {
                throw new IllegalArgumentException("search space: --try '" + s + "' names technique '" + s.technique()
                        + "', which is not among the techniques " + techniques);
            }
        }
        return new SearchSpace(settings, maxDepth <= 0 ? techniques.size() : maxDepth);
    }

    /** Techniques that rewrite float weight initializers of Conv/Gemm/MatMul and need them as floats. */
    static final Set<String> REWRITES_FLOAT_WEIGHTS = Set.of("prune", "prune-channels", "cluster", "lowrank");
    /** Techniques after which weights are no longer float initializers, and why. */
    static final Map<String, String> LEAVES_NO_FLOAT_WEIGHTS = Map.of(
            "cluster", "cluster stores weights as a codebook plus indices",
            "quantize", "quantize stores weights as int8/int4/fp16");

    /**
     * Why {@code next} cannot follow the techniques of {@code prefix}, or null when it can.
     */
    public static String blocker(List<String> prefix, String next) {
        if (!REWRITES_FLOAT_WEIGHTS.contains(next)) {
            return null;
        }
        for (String t : prefix) {
            String why = LEAVES_NO_FLOAT_WEIGHTS.get(t);
            if (why != null) {
                return next + " after " + t + ": " + why + ", not float weights " + next + " could rewrite";
            }
        }
        return null;
    }

    /**
     * Pipelines left out of the space, by reason: how many pipelines of every setting combination
     * each blocked order would have added. Counted, never run, never failures.
     */
    public Map<String, Long> excluded() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (List<String> order : allOrders()) {
            String why = orderBlocker(order);
            if (why != null) {
                long n = 1;
                for (String t : order) {
                    n *= settings.get(t).size();
                }
                out.merge(why, n, Long::sum);
            }
        }
        return out;
    }

    /** Why {@code order} cannot run (see {@link #blocker}), or null when every step can follow the ones before it. */
    public static String orderBlocker(List<String> order) {
        for (int i = 1; i < order.size(); i++) {
            String why = blocker(order.subList(0, i), order.get(i));
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** Technique names in the order given. */
    public List<String> techniques() {
        return List.copyOf(settings.keySet());
    }

    /** The steps that may follow a pipeline whose techniques, in order, are {@code used}. */
    public List<Step> next(List<String> used) {
        List<Step> out = new ArrayList<>();
        settings.forEach((t, steps) -> {
            if (!used.contains(t) && blocker(used, t) == null) {
                out.addAll(steps);
            }
        });
        return out;
    }

    /**
     * Every ordered selection of 1..maxDepth distinct techniques (the orders) that {@link #blocker}
     * allows, shortest first.
     */
    public List<List<String>> orders() {
        return allOrders().stream().filter(o -> orderBlocker(o) == null).toList();
    }

    private List<List<String>> allOrders() {
        return allOrders(settings.keySet(), maxDepth);
    }

    /**
     * Every order of all of {@code techniques} that can run (see {@link #orderBlocker}), in the
     * order of the list's permutations.
     */
    public static List<List<String>> runnableOrdersOfAll(List<String> techniques) {
        return allOrders(techniques, techniques.size()).stream()
                .filter(o -> o.size() == techniques.size() && orderBlocker(o) == null).toList();
    }

    /** Every order of 1 to {@code maxDepth} distinct {@code techniques}, shortest first. */
    private static List<List<String>> allOrders(java.util.Collection<String> techniques, int maxDepth) {
        List<List<String>> out = new ArrayList<>();
        List<List<String>> level = List.of(List.of());
        for (int d = 1; d <= maxDepth; d++) {
            List<List<String>> nextLevel = new ArrayList<>();
            for (List<String> prefix : level) {
                for (String t : techniques) {
                    if (!prefix.contains(t)) {
                        List<String> o = new ArrayList<>(prefix);
                        o.add(t);
                        nextLevel.add(List.copyOf(o));
                    }
                }
            }
            out.addAll(nextLevel);
            level = nextLevel;
        }
        return out;
    }

    /** Every pipeline of the space, shortest first; within a length, in the order of {@link #orders()}. */
    public List<List<Step>> pipelines() {
        List<List<Step>> out = new ArrayList<>();
        for (List<String> order : orders()) {
            List<List<Step>> partial = List.of(List.of());
            for (String t : order) {
                List<List<Step>> grown = new ArrayList<>();
                for (List<Step> p : partial) {
                    for (Step s : settings.get(t)) {
                        List<Step> q = new ArrayList<>(p);
                        q.add(s);
                        grown.add(List.copyOf(q));
                    }
                }
                partial = grown;
            }
            out.addAll(partial);
        }
        return out;
    }

    /** Pipeline text of {@code steps}: {@code a:x=1 > b}. */
    public static String text(List<Step> steps) {
        return String.join(" > ", steps.stream().map(Step::text).toList());
    }
}
