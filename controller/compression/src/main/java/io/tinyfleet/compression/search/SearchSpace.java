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
 * selection of 1..{@code maxDepth} techniques times every combination of their settings.
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

    /** Technique names in the order given. */
    public List<String> techniques() {
        return List.copyOf(settings.keySet());
    }

    /** The steps that may follow a pipeline which already used {@code used}. */
    public List<Step> next(Set<String> used) {
        List<Step> out = new ArrayList<>();
        settings.forEach((t, steps) -> {
            if (!used.contains(t)) {
                out.addAll(steps);
            }
        });
        return out;
    }

    /** Every ordered selection of 1..maxDepth distinct techniques (the orders), shortest first. */
    public List<List<String>> orders() {
        List<List<String>> out = new ArrayList<>();
        List<List<String>> level = List.of(List.of());
        for (int d = 1; d <= maxDepth; d++) {
            List<List<String>> nextLevel = new ArrayList<>();
            for (List<String> prefix : level) {
                for (String t : settings.keySet()) {
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
