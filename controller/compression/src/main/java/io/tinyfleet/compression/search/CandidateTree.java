package io.tinyfleet.compression.search;

import io.tinyfleet.runtime.model.OnnxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models a search produced, as a tree: the baseline at the root, one child per step applied.
 * A step applied to the same parent is applied once: the same parent id and step text give the
 * same child (after Olive's pass cache, {@code olive/cache.py}), so pipelines sharing a prefix
 * share its models and only the new suffix runs. Measurements are kept per model id too.
 *
 * <p>With a cache folder, models also survive the process: each child is saved as
 * {@code <key>.onnx} with its id in {@code <key>.id}, where key = SHA-256 of parent id and step.
 * Not thread-safe: one search runs its steps one after another (2 cores are shared by ORT).
 */
public final class CandidateTree {

    /** One model of the tree. */
    public static final class Node {
        private final String id;
        private final Node parent;
        private final Step step;
        private final List<Step> path;
        private OnnxModel model;
        private final String error;
        private final Map<String, Object> record;
        private final double stepSeconds;
        private Measurement measurement;
        private String evalError;
        private double evalSeconds;

        Node(String id, Node parent, Step step, OnnxModel model, String error, Map<String, Object> record,
             double stepSeconds) {
            this.id = id;
            this.parent = parent;
            this.step = step;
            List<Step> p = parent == null ? new ArrayList<>() : new ArrayList<>(parent.path);
            if (step != null) {
                p.add(step);
            }
            this.path = List.copyOf(p);
            this.model = model;
            this.error = error;
            this.record = record == null ? Map.of() : record;
            this.stepSeconds = stepSeconds;
        }

        /** Model id (the root's is the baseline's SHA-256 unless given). */
        public String id() {
            return id;
        }

        /** Parent node, null at the root. */
        public Node parent() {
            return parent;
        }

        /** The step that made this node from its parent, null at the root. */
        public Step step() {
            return step;
        }

        /** Steps from the baseline to this node, in the order applied. */
        public List<Step> path() {
            return path;
        }

        /** Pipeline text, empty at the root. */
        public String pipeline() {
            return SearchSpace.text(path);
        }

        /** Techniques in the order applied. */
        public List<String> order() {
            return path.stream().map(Step::technique).toList();
        }

        /** Why the step failed (one line), or null. */
        public String error() {
            return error != null ? error : parent == null ? null : parent.error();
        }

        /** What the technique reported about its step. */
        public Map<String, Object> record() {
            return record;
        }

        /** Seconds the step took (0 when it came from a cache). */
        public double stepSeconds() {
            return stepSeconds;
        }

        /** The measurement, or null before {@link CandidateTree#measure} or when it failed. */
        public Measurement measurement() {
            return measurement;
        }

        /** Why measuring failed, or null. */
        public String evalError() {
            return evalError;
        }

        /** Seconds measuring took (0 when the same model was measured before). */
        public double evalSeconds() {
            return evalSeconds;
        }

        /** Depth in the tree: number of steps. */
        public int depth() {
            return path.size();
        }
    }

    /**
     * How much was reused.
     *
     * @param stepRequests  steps asked for (one per step of every pipeline walked)
     * @param stepRuns      steps actually run
     * @param stepHits      steps served from memory (same parent and step seen before)
     * @param diskHits      steps served from the cache folder
     * @param stepFailures  steps that failed
     * @param evalRuns      models measured
     * @param evalHits      measurements reused for a model id measured before
     */
    public record Stats(long stepRequests, long stepRuns, long stepHits, long diskHits, long stepFailures,
                        long evalRuns, long evalHits) {
    }

    private final StepRunner runner;
    private final CandidateEvaluator evaluator;
    private final Path cacheDir;
    private final Node root;
    private final Map<String, Node> children = new HashMap<>();
    private final Map<String, Node> measured = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final int releaseDepth;
    private long stepRequests;
    private long stepRuns;
    private long stepHits;
    private long diskHits;
    private long stepFailures;
    private long evalRuns;
    private long evalHits;

    /**
     * A tree rooted at {@code baseline}.
     *
     * @param baselineId   id of the baseline (e.g. its SHA-256)
     * @param cacheDir     folder to keep models across runs, or null
     * @param releaseDepth models at this depth or deeper are dropped from memory once measured (they
     *                     are leaves); {@code Integer.MAX_VALUE} keeps all
     */
    public CandidateTree(OnnxModel baseline, String baselineId, StepRunner runner, CandidateEvaluator evaluator,
                         Path cacheDir, int releaseDepth) {
        this.runner = runner;
        this.evaluator = evaluator;
        this.cacheDir = cacheDir;
        this.releaseDepth = releaseDepth;
        this.root = new Node(baselineId, null, null, baseline, null, Map.of(), 0);
        if (cacheDir != null) {
            try {
                Files.createDirectories(cacheDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create cache folder " + cacheDir + ": " + e.getMessage(), e);
            }
        }
    }

    /** The baseline. */
    public Node root() {
        return root;
    }

    /** Every node made so far except the root, in creation order. */
    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** Reuse counters so far. */
    public Stats stats() {
        return new Stats(stepRequests, stepRuns, stepHits, diskHits, stepFailures, evalRuns, evalHits);
    }

    /** Whether {@code parent} already has a child made by {@code step}. */
    public boolean contains(Node parent, Step step) {
        return children.containsKey(parent.id + "\n" + step.text());
    }

    /** Walks {@code steps} from the root, making missing nodes; stops at the first failed step. */
    public List<Node> walk(List<Step> steps) {
        List<Node> out = new ArrayList<>();
        Node n = root;
        for (Step s : steps) {
            n = child(n, s);
            out.add(n);
            if (n.error != null) {
                break;
            }
        }
        return out;
    }

    /** The child of {@code parent} made by {@code step}: from memory, from the cache folder, or run now. */
    public Node child(Node parent, Step step) {
        stepRequests++;
        String key = parent.id + "\n" + step.text();
        Node known = children.get(key);
        if (known != null) {
            stepHits++;
            return known;
        }
        if (parent.error != null) {
            throw new IllegalStateException("step '" + step + "' after failed step '" + parent.pipeline() + "'");
        }
        Node made = fromDisk(parent, step, key);
        if (made == null) {
            long t0 = System.nanoTime();
            try {
                StepRunner.Output out = runner.apply(named(parent), parent.id, step);
                double secs = (System.nanoTime() - t0) / 1e9;
                made = new Node(out.id(), parent, step, out.model(), null, out.record(), secs);
                toDisk(key, made);
            } catch (RuntimeException e) {
                stepFailures++;
                String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
                made = new Node(sha256(key), parent, step, null, "step '" + step + "' failed: " + msg, Map.of(),
                        (System.nanoTime() - t0) / 1e9);
            }
            stepRuns++;
        } else {
            diskHits++;
        }
        children.put(key, made);
        nodes.add(made);
        return made;
    }

    /**
     * The model of {@code n}, named after the baseline and its pipeline, so that a step's refusal says
     * which candidate it refused (not "X after step 1 after step 1", which one-step runs would make).
     */
    private OnnxModel named(Node n) {
        OnnxModel m = model(n);
        return n == root ? m : OnnxModel.of(m.proto(), model(root).origin() + " after '" + n.pipeline() + "'");
    }

    /** Measures the node's model once per model id; failures are kept on the node. */
    public Measurement measure(Node n) {
        if (n.measurement != null || n.evalError != null || n.error() != null) {
            return n.measurement;
        }
        Node same = measured.get(n.id);
        if (same != null) {
            evalHits++;
            n.measurement = same.measurement;
            n.evalError = same.evalError;
            return n.measurement;
        }
        long t0 = System.nanoTime();
        try {
            n.measurement = evaluator.evaluate(model(n));
        } catch (RuntimeException e) {
            n.evalError = "measuring failed: " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage().lines().findFirst().orElse(""));
        }
        n.evalSeconds = (System.nanoTime() - t0) / 1e9;
        evalRuns++;
        measured.put(n.id, n);
        if (n != root && n.depth() >= releaseDepth && cacheDir != null) {
            n.model = null;
        }
        return n.measurement;
    }

    /** The node's model, re-read from the cache folder if it was dropped from memory. */
    public OnnxModel model(Node n) {
        if (n.model != null) {
            return n.model;
        }
        if (n.error() != null) {
            throw new IllegalStateException("no model for failed pipeline '" + n.pipeline() + "'");
        }
        Path f = cacheDir.resolve(sha256(n.parent.id + "\n" + n.step.text()) + ".onnx");
        n.model = OnnxModel.load(f);
        return n.model;
    }

    private Node fromDisk(Node parent, Step step, String key) {
        if (cacheDir == null) {
            return null;
        }
        String k = sha256(key);
        Path model = cacheDir.resolve(k + ".onnx");
        Path id = cacheDir.resolve(k + ".id");
        if (!Files.isRegularFile(model) || !Files.isRegularFile(id)) {
            return null;
        }
        try {
            OnnxModel m = OnnxModel.load(model);
            return new Node(Files.readString(id).strip(), parent, step, m, null,
                    new LinkedHashMap<>(Map.of("cached", true)), 0);
        } catch (RuntimeException | IOException e) {
            return null;
        }
    }

    private void toDisk(String key, Node n) {
        if (cacheDir == null) {
            return;
        }
        String k = sha256(key);
        try {
            n.model.save(cacheDir.resolve(k + ".onnx"));
            Files.writeString(cacheDir.resolve(k + ".id"), n.id);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the candidate cache in " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    static String sha256(String s) {
        return OnnxModel.sha256Hex(s.getBytes(StandardCharsets.UTF_8));
    }
}
