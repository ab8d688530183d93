package io.tinyfleet.compression.search;

import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.profile.DeviceProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Searches orders and settings of compression techniques for one model: walks the space with a
 * {@link SearchStrategy} through a {@link CandidateTree} (shared prefixes run once), measures every
 * candidate, keeps the Pareto front over accuracy, wire size and latency, checks every candidate
 * against each device's {@link DeviceConstraints} with {@link ProfileEstimator} estimates, and
 * names the best feasible candidate per device or the constraints no candidate meets. Every such
 * choice reads {@link Candidate#decidingAccuracy()}: accuracy on the selection half of the test
 * split when the evaluator measured it, so the report half only reports and is not fitted by the
 * choice among many candidates (see {@link SearchSetup#selectionAndReport}).
 */
public final class Search {

    /** Figures the "best" pick can optimise among feasible candidates. */
    public static final List<String> PREFERENCES = List.of("wire", "file", "latency", "energy", "accuracy");

    /**
     * How to search.
     *
     * @param modelName  model name for reports
     * @param dataset    evaluation data name
     * @param space      techniques and settings
     * @param strategy   how to walk the space
     * @param profiles   devices to check (may be empty)
     * @param limits     budgets and floors applied to every device
     * @param estimator  device latency and energy estimates
     * @param budget     time budget ({@link Duration#ZERO}: none)
     * @param cacheDir   folder keeping models across runs, or null
     * @param prefer     what "best" means among feasible candidates, one of {@link #PREFERENCES}
     */
    public record Config(String modelName, String dataset, SearchSpace space, SearchStrategy strategy,
                         List<DeviceProfile> profiles, Limits limits, ProfileEstimator estimator, Duration budget,
                         Path cacheDir, String prefer) {

        /** Checks the preference and copies the profiles. */
        public Config {
            Objects.requireNonNull(space, "space");
            Objects.requireNonNull(strategy, "strategy");
            profiles = List.copyOf(profiles);
            if (!PREFERENCES.contains(prefer)) {
                throw new IllegalArgumentException("prefer must be one of " + PREFERENCES + ", got '" + prefer + "'");
            }
        }
    }

    private Search() {
    }

    /** Runs the search from {@code baseline}. */
    public static SearchResult run(OnnxModel baseline, Config cfg, StepRunner runner, CandidateEvaluator evaluator) {
        return run(baseline, cfg, runner, evaluator, line -> { });
    }

    /** Runs the search from {@code baseline}, one {@code log} line per candidate measured. */
    public static SearchResult run(OnnxModel baseline, Config cfg, StepRunner runner, CandidateEvaluator evaluator,
                                   java.util.function.Consumer<String> log) {
        Deadline deadline = new Deadline(cfg.budget());
        String baseId = runner.idOf(baseline);
        CandidateTree tree = new CandidateTree(baseline, baseId, runner, evaluator, cfg.cacheDir(),
                cfg.space().maxDepth());
        tree.measure(tree.root());
        if (tree.root().measurement() == null) {
            throw new IllegalArgumentException("model " + cfg.modelName() + ": cannot measure the baseline: "
                    + tree.root().evalError());
        }
        List<CandidateTree.Node> order = new ArrayList<>();
        boolean done = cfg.strategy().run(cfg.space(), tree, deadline, n -> {
            order.add(n);
            Measurement m = n.measurement();
            String err = n.error() != null ? n.error() : n.evalError();
            log.accept(String.format(Locale.ROOT, "[%d %.0fs] %s: %s", order.size(), deadline.elapsedSeconds(),
                    n.pipeline(), err != null ? err : String.format(Locale.ROOT, "accuracy %.4f, wire %d B, %.3f ms",
                            m.accuracy() == null ? Double.NaN : m.accuracy(), m.wireBytes(),
                            m.latencyMs() == null ? Double.NaN : m.latencyMs())));
        });

        Double baseAcc = tree.root().measurement().decidingAccuracy();
        Map<String, DeviceConstraints> constraints = new LinkedHashMap<>();
        for (DeviceProfile p : cfg.profiles()) {
            constraints.put(p.id(), DeviceConstraints.of(p, cfg.limits(), baseAcc));
        }
        Candidate base = candidate(tree.root(), false, cfg, constraints);
        List<Candidate> raw = order.stream().map(n -> candidate(n, false, cfg, constraints)).toList();
        List<Candidate> ok = raw.stream().filter(Candidate::ok).toList();
        List<Integer> front = ParetoFront.indices(ok, candidateObjectives());
        java.util.Set<Candidate> onFront = new java.util.HashSet<>();
        front.forEach(i -> onFront.add(ok.get(i)));
        List<Candidate> candidates = raw.stream().map(c -> onFront.contains(c) ? withPareto(c) : c).toList();

        Map<String, SearchResult.Best> best = new LinkedHashMap<>();
        for (DeviceProfile p : cfg.profiles()) {
            best.put(p.id(), best(p.id(), candidates, cfg.prefer()));
        }
        Map<String, List<String>> techniques = new LinkedHashMap<>();
        cfg.space().settings().forEach((t, steps) -> techniques.put(t, steps.stream().map(Step::text).toList()));
        Map<String, Object> estimates = new LinkedHashMap<>();
        estimates.put("estimated", true);
        estimates.put("method", ProfileEstimator.METHOD);
        estimates.put("hostThreads", cfg.estimator().hostThreads());
        estimates.put("hostMhz", cfg.estimator().hostMhz());
        estimates.put("hostSource", cfg.estimator().hostSource());
        Map<String, Double> ratios = new LinkedHashMap<>();
        cfg.profiles().forEach(p -> ratios.put(p.id(), cfg.estimator().ratio(p)));
        estimates.put("deviceOverLocalLatency", ratios);
        List<String> notes = new ArrayList<>();
        notes.add("Device latency and energy are rough estimates from this machine's measured latency, labelled"
                + " estimated until a device measures them.");
        if (!done) {
            notes.add(String.format(Locale.ROOT, "The %.0f s budget ran out after %d candidates; the rest of the"
                    + " %d-pipeline space was not measured.", deadline.budgetSeconds(), candidates.size(),
                    cfg.space().pipelines().size()));
        }
        Map<String, Long> excluded = cfg.space().excluded();
        if (!excluded.isEmpty()) {
            notes.add(excluded.values().stream().mapToLong(Long::longValue).sum() + " pipelines were left out before"
                    + " the search because a step could not act on what an earlier step left (reasons counted in"
                    + " 'excluded'); they are not failures.");
        }
        long failed = candidates.stream().filter(c -> c.error() != null).count();
        if (failed > 0) {
            notes.add(failed + " candidates failed; their error says which step and why.");
        }
        return new SearchResult(cfg.modelName(), baseId, cfg.dataset(), cfg.strategy().describe(), techniques, base,
                candidates, constraints, best, estimates, tree.stats(), cfg.space().pipelines().size(), excluded,
                deadline.budgetSeconds(), deadline.elapsedSeconds(), !done, notes);
    }

    /** Objectives of the front: accuracy up, wire bytes and latency down. */
    public static List<Objective<Candidate>> candidateObjectives() {
        return List.of(Objective.max("accuracy", c -> nan(c.decidingAccuracy())),
                Objective.min("wireBytes", c -> c.wireBytes()),
                Objective.min("latencyMs", c -> nan(c.latencyMs())));
    }

    /** The same objectives over tree nodes. */
    static List<Objective<CandidateTree.Node>> nodeObjectives() {
        return List.of(Objective.max("accuracy", n -> nan(n.measurement().decidingAccuracy())),
                Objective.min("wireBytes", n -> n.measurement().wireBytes()),
                Objective.min("latencyMs", n -> nan(n.measurement().latencyMs())));
    }

    private static double nan(Double d) {
        return d == null ? Double.NaN : d;
    }

    /** The best feasible candidate for {@code profile}, or why there is none. */
    static SearchResult.Best best(String profile, List<Candidate> candidates, String prefer) {
        List<Candidate> ok = candidates.stream().filter(Candidate::ok).toList();
        Optional<Candidate> pick = ok.stream().filter(c -> c.profiles().get(profile).feasible())
                .min(preference(prefer, profile));
        if (pick.isPresent()) {
            Candidate c = pick.get();
            return new SearchResult.Best(profile, c.pipeline(), prefer, String.format(Locale.ROOT,
                    "meets every constraint with the %s %s (accuracy %.2f%%%s, %d wire bytes, %.3f ms here)",
                    prefer.equals("accuracy") ? "highest" : "smallest", prefer, 100 * c.accuracy(),
                    c.selectionAccuracy() == null ? "" : String.format(Locale.ROOT, " reported, %.2f%% selection",
                            100 * c.selectionAccuracy()), c.wireBytes(), c.latencyMs()), List.of());
        }
        if (ok.isEmpty()) {
            return new SearchResult.Best(profile, null, prefer, "no candidate was measured", List.of());
        }
        List<String> unmet = new ArrayList<>();
        for (String k : List.of(DeviceConstraints.MEMORY, DeviceConstraints.STORAGE, DeviceConstraints.LATENCY,
                DeviceConstraints.ENERGY, DeviceConstraints.ACCURACY)) {
            if (ok.stream().allMatch(c -> c.profiles().get(profile).violated().contains(k))) {
                unmet.add(k);
            }
        }
        if (!unmet.isEmpty()) {
            return new SearchResult.Best(profile, null, prefer, "no candidate meets the " + String.join(", ", unmet)
                    + " constraint" + (unmet.size() > 1 ? "s" : ""), unmet);
        }
        Candidate nearest = ok.stream().min(Comparator.comparingInt(c -> c.profiles().get(profile).violated().size()))
                .orElseThrow();
        return new SearchResult.Best(profile, null, prefer, "no candidate meets all constraints together; nearest: '"
                + nearest.pipeline() + "' violates " + String.join("; ", nearest.profiles().get(profile).violations()),
                List.of());
    }

    private static Comparator<Candidate> preference(String prefer, String profile) {
        Comparator<Candidate> byAcc = Comparator.comparingDouble(c -> -c.decidingAccuracy());
        return switch (prefer) {
            case "wire" -> Comparator.<Candidate>comparingLong(Candidate::wireBytes).thenComparing(byAcc);
            case "file" -> Comparator.<Candidate>comparingLong(Candidate::fileBytes).thenComparing(byAcc);
            case "latency" -> Comparator.<Candidate>comparingDouble(Candidate::latencyMs).thenComparing(byAcc);
            case "energy" -> Comparator.<Candidate>comparingDouble(
                    c -> nan(c.profiles().get(profile).estimatedEnergyMj())).thenComparing(byAcc);
            default -> byAcc.thenComparingLong(Candidate::wireBytes);
        };
    }

    private static Candidate withPareto(Candidate c) {
        return new Candidate(c.pipeline(), c.order(), c.modelId(), c.accuracy(), c.selectionAccuracy(), c.fileBytes(),
                c.wireBytes(), c.peakMemoryBytes(), c.latencyMs(), c.params(), true, c.profiles(), c.stepSeconds(),
                c.evalSeconds(), c.error(), c.steps());
    }

    private static Candidate candidate(CandidateTree.Node n, boolean pareto, Config cfg,
                                       Map<String, DeviceConstraints> constraints) {
        Measurement m = n.measurement();
        String error = n.error() != null ? n.error() : n.evalError();
        Map<String, DeviceConstraints.Verdict> verdicts = new LinkedHashMap<>();
        if (m != null) {
            for (DeviceProfile p : cfg.profiles()) {
                ProfileEstimator.Estimate e = m.latencyMs() == null ? null : cfg.estimator().estimate(p, m.latencyMs());
                verdicts.put(p.id(), constraints.get(p.id()).check(m, e));
            }
        } else {
            for (DeviceProfile p : cfg.profiles()) {
                verdicts.put(p.id(), new DeviceConstraints.Verdict(p.id(), false, List.of(), List.of("not measured"),
                        List.of(), null, null));
            }
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        for (CandidateTree.Node x = n; x != null && x.step() != null; x = x.parent()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("step", x.step().text());
            r.put("id", x.id());
            r.putAll(x.record());
            steps.add(0, r);
        }
        return new Candidate(n.pipeline(), n.order(), n.id(), m == null ? null : m.accuracy(),
                m == null ? null : m.selectionAccuracy(),
                m == null ? 0 : m.fileBytes(), m == null ? 0 : m.wireBytes(), m == null ? null : m.peakMemoryBytes(),
                m == null ? null : m.latencyMs(), m == null ? null : m.params(), pareto, verdicts, n.stepSeconds(),
                n.evalSeconds(), error, steps);
    }
}
