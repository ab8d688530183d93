package io.tinyfleet.cli.bench;

import io.tinyfleet.compression.FineTuners;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.arch.ArchSpec;
import io.tinyfleet.compression.arch.Architectures;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.compression.report.HtmlReport;
import io.tinyfleet.compression.report.ResultsWriter;
import io.tinyfleet.compression.search.Candidate;
import io.tinyfleet.compression.search.Deadline;
import io.tinyfleet.compression.search.Limits;
import io.tinyfleet.compression.search.SearchResult;
import io.tinyfleet.compression.search.SearchSetup;
import io.tinyfleet.compression.search.Step;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Issue 6 targets. (1) {@code mlp} and {@code lenet5}: the smallest candidate on the wire within 0.5
 * point of the baseline's accuracy on the half of the test split the search decides on, as a ratio to the
 * fp32 file (target &ge; 50x, and its loss on the report half within 0.5 point too). (2) {@code mobile}:
 * the best distilled student with &le; 1/4 of the teacher's parameters (target within 1.5 points).
 * (3) {@code lenet5}: a search over 4 techniques, every order, 2 settings each, its time (target
 * &le; 30 min) and cache reuse. Baselines are the trained models in {@code bench-results/models}.
 */
public final class SearchSuite implements BenchSuite {

    /**
     * The pruning setting of the 50x search. On the MLP (0.9026, 1,067,574 B; 50x is 21,351 B), seed 42,
     * followed by {@code cluster:k=16,finetune=2,encoding=sparse,biases=true > quantize:fp16} (wire with
     * the large initializers in zstd blocks of their own): sparsity 0.93 22,763 B (46.9x) at -0.60, distilled
     * 22,981 B at -0.71; 0.935 distilled 21,610 B (49.4x) at -0.85; every chain past 50x lost more than a
     * point: this setting with steps=10,finetune=4 17,560 B (60.8x) at -1.23, distilled 17,698 B at -1.26;
     * a distilled half-width student ({@code distill:width=0.5,epochs=20}) pruned to 0.9 15,750 B (67.8x)
     * at -1.38, the student alone already -1.16; {@code lowrank:ratio=0.4} then pruning to 0.85 18,681 B
     * (57.1x) at -1.14. Remeasured (k = 16 without {@code biases}): 0.93 at -0.79, distilled -0.73; 1, 2 or 6
     * fine-tune epochs per step instead of 3 -1.16, -0.91, -1.28; lr 1e-3 -0.96. Removing whole hidden units
     * first, so that the positions of the weights left cost fewer bits ({@code prune-channels:ratio=0.5,
     * finetune=2} then sparsity 0.85): 20,726 B (51.5x) at -1.23; ratio 0.2 then 0.91, both distilled: 48.1x
     * at -1.37.
     */
    static final String WIRE_PRUNE = "prune:sparsity=0.95,scope=global,steps=4,finetune=3";
    /**
     * The clustering setting of the 50x search: k = 8 saves about 8 % of the wire bytes, but its clustering
     * step lost 0.4 point on LeNet-5 and 0.2 on the MLP, where k = 16 lost nothing measurable on the MLP.
     * Remeasured on the AVX-512 machine (seed 42, after {@code prune:sparsity=S,scope=global,steps=4,finetune=3}):
     * on the MLP at 0.93, k = 16 23,293 B (45.8x) at -0.79, k = 8 20,799 B (51.3x) at -0.78 (seeds 43/44
     * -1.04/-0.85), k = 4 18,262 B (58.5x) at -0.84, k = 2 lost 11.7 points; the clustering step itself
     * cost 0.21-0.27 at k = 16, 8 and 4, the 0.93 pruning before it 0.57-0.94. Fewer bits per index do not
     * reach 50x within half a point: pruning is what loses the accuracy. On LeNet-5 (distilled pruning,
     * {@code biases=true}) k = 8 cost 0.26-0.49 at 0.91-0.92 and k = 4 cost 2.1-2.5.
     */
    static final String WIRE_CLUSTER = "cluster:k=16,finetune=2,encoding=sparse";

    /**
     * The distillation of the mobile target: the widest student within a quarter of the teacher's parameters
     * (24,422, width 1.07 at depth 2), 30 epochs at T = 2.
     */
    static final String MOBILE_DISTILL = "distill:epochs=30,temperature=2";

    /** Where the training engineer's bench writes the trained baselines. */
    static final Path MODELS = Path.of("bench-results", "models");

    @Override
    public String name() {
        return "search";
    }

    @Override
    public String description() {
        return "issue 6: >=50x smaller on the wire within 0.5 pt (mlp, lenet5), distilled student <=1/4 params"
                + " within 1.5 pt (mobile), 4-technique all-orders search on lenet5 within 30 min";
    }

    @Override
    public Map<String, Object> run(BenchOptions o) throws Exception {
        seed = o.seed();
        workDir = o.workDir();
        trainAll = LabeledImages.load(o.data(), Split.TRAIN);
        LabeledImages[] tv = TechniqueContext.trainValidation(trainAll);
        LabeledImages test = LabeledImages.load(o.data(), Split.TEST);
        int evalLimit = o.quick() ? 1000 : 0;
        Map<String, Object> out = new LinkedHashMap<>();
        List<SearchResult> all = new ArrayList<>();

        // (1) compression ratio within 0.5 point
        // Deep Compression's chain as settings: gradual pruning with retraining between steps, shared weights
        // with fine-tuned centroids stored as relative indices, fp16 for what stays float
        List<String> tries = o.quick()
                ? List.of("prune:sparsity=0.9,scope=global,finetune=1", "cluster:k=16,finetune=1,encoding=sparse",
                        "quantize:fp16")
                : List.of(WIRE_PRUNE, WIRE_CLUSTER, "quantize:fp16");
        for (String arch : List.of("mlp", "lenet5")) {
            Optional<OnnxModel> m = baseline(arch, out);
            if (m.isEmpty()) {
                continue;
            }
            SearchResult r = SearchSetup.run(m.get(), arch, options(o, List.of("prune", "cluster", "quantize"),
                    tries, "exhaustive", evalLimit, 0.5), tv[0], tv[1], test, FineTuners.standard(), System.err::println);
            all.add(r);
            out.put(arch + ".ratio", ratio(r, 0.005));
            partial(o, out);
        }
        // (2) distillation on mobile
        Optional<OnnxModel> mobile = baseline("mobile", out);
        if (mobile.isPresent()) {
            // the recipe that met the target (README: 90.21 %, -1.18 points, 34 min on 2 cores); 5 epochs, which this
            // suite ran before, left the student 5.7 points short, so the suite judged a setting nobody would use
            SearchResult r = SearchSetup.run(mobile.get(), "mobile", options(o, List.of("distill"),
                    List.of(o.quick() ? "distill:epochs=1" : MOBILE_DISTILL), "exhaustive", evalLimit, 1.5), tv[0], tv[1],
                    test, FineTuners.standard(), System.err::println);
            all.add(r);
            out.put("mobile.distill", distill(r));
            partial(o, out);
        }
        // (3) 4 techniques x all orders x 2 settings on lenet5
        Optional<OnnxModel> lenet = baseline("lenet5", out);
        if (lenet.isPresent()) {
            List<String> four = List.of("prune", "cluster", "quantize", "lowrank");
            List<String> two = List.of("prune:sparsity=0.7", "prune:sparsity=0.9", "cluster:k=32", "cluster:k=8",
                    "quantize:int8", "quantize:fp16", "lowrank:ratio=0.5", "lowrank:ratio=0.25");
            SearchSetup.Options so = options(o, four, two, "exhaustive", o.quick() ? 500 : 2000, 1.0);
            SearchResult r = SearchSetup.run(lenet.get(), "lenet5-orders", so, tv[0], tv[1], test, FineTuners.standard(),
                    System.err::println);
            all.add(r);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("pipelinesInSpace", r.pipelinesInSpace());
            s.put("excluded", r.excluded());
            s.put("candidates", r.candidates().size());
            s.put("failed", r.candidates().stream().filter(c -> c.error() != null).count());
            s.put("elapsedSeconds", r.elapsedSeconds());
            s.put("targetSeconds", 1800);
            s.put("met", !r.budgetExhausted() && r.elapsedSeconds() <= 1800);
            s.put("cache", r.cache());
            s.put("evalLimit", so.evalLimit());
            s.put("paretoFront", r.candidates().stream().filter(Candidate::paretoOptimal).count());
            out.put("lenet5.orders", s);
        }
        if (!all.isEmpty()) {
            Path dir = o.workDir().resolve("report");
            List<HtmlReport.Section> sections = all.stream().map(r -> new HtmlReport.Section(r.model(), r, "")).toList();
            out.put("report", HtmlReport.write(dir, "tinyfleet bench search", "", sections).toString());
            ResultsWriter.writeJson(all, dir, "results.json");
        }
        return out;
    }

    private static SearchSetup.Options options(BenchOptions o, List<String> techniques, List<String> tries,
                                               String strategy, int evalLimit, double drop) {
        return new SearchSetup.Options(o.data(), techniques, tries.stream().map(Step::parse).toList(), 0, strategy,
                List.of(), new Limits(0.5, 0.5, null, null, drop), Deadline.parseBudget("40m"), evalLimit, 30, o.seed(),
                o.workDir().resolve("cache"), "wire", 128);
    }

    private Optional<OnnxModel> baseline(String arch, Map<String, Object> out) {
        Path f = MODELS.resolve(arch + ".onnx");
        if (!Files.isRegularFile(f)) {
            ArchSpec spec = ArchSpec.of(arch);
            int epochs = Architectures.defaultEpochs(spec);
            System.err.println("search: " + f + " missing, training " + arch + " for " + epochs + " epochs");
            OnnxModel m = Trainer.train(Architectures.build(spec, seed), Architectures.defaults(spec, epochs, seed)
                    .threads(1).build(), trainAll, null, io.tinyfleet.runtime.data.Preprocessing.DEFAULT).trained();
            // kept in this run's folder: bench-results/models holds the trainer's baselines, which a bench must not replace
            Path saved = workDir.resolve(arch + ".onnx");
            try {
                Files.createDirectories(workDir);
                m.save(saved);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            out.put(arch + ".baseline", saved + " (trained here, " + epochs + " epochs)");
            return Optional.of(m);
        }
        out.put(arch + ".baseline", f.toString());
        return Optional.of(OnnxModel.load(f));
    }

    private long seed;
    private LabeledImages trainAll;
    private Path workDir;

    /** Writes what is known so far, so a long run leaves figures even if stopped. */
    private static void partial(BenchOptions o, Map<String, Object> out) {
        ResultsWriter.writeJson(out, o.workDir(), "partial.json");
        System.err.println("search: partial figures in " + o.workDir().resolve("partial.json"));
    }

    /** Smallest wire size within {@code drop} (fraction) of the baseline accuracy, against the fp32 file. */
    static Map<String, Object> ratio(SearchResult r, double drop) {
        Map<String, Object> s = new LinkedHashMap<>();
        // chosen on the selection half of the test split, reported on the other (see SearchSetup.selectionAndReport)
        double floor = r.baseline().decidingAccuracy() - drop;
        Optional<Candidate> best = r.candidates().stream().filter(Candidate::ok)
                .filter(c -> c.decidingAccuracy() >= floor).min(Comparator.comparingLong(Candidate::wireBytes));
        s.put("baselineAccuracy", r.baseline().accuracy());
        s.put("baselineFileBytes", r.baseline().fileBytes());
        s.put("baselineWireBytes", r.baseline().wireBytes());
        best.ifPresent(c -> {
            s.put("pipeline", c.pipeline());
            s.put("accuracy", c.accuracy());
            s.put("accuracyDropPoints", 100 * (r.baseline().accuracy() - c.accuracy()));
            s.put("selectionDropPoints", 100 * (r.baseline().decidingAccuracy() - c.decidingAccuracy()));
            s.put("wireBytes", c.wireBytes());
            s.put("fileOverWire", r.baseline().fileBytes() / (double) c.wireBytes());
            s.put("met", r.baseline().fileBytes() / (double) c.wireBytes() >= 50
                    && 100 * (r.baseline().accuracy() - c.accuracy()) <= 100 * drop);
        });
        if (best.isEmpty()) {
            s.put("met", false);
            s.put("why", "no candidate within the accuracy floor");
        }
        // the smallest candidate whatever its accuracy, so a miss shows which side of the target failed
        r.candidates().stream().filter(Candidate::ok).min(Comparator.comparingLong(Candidate::wireBytes)).ifPresent(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pipeline", c.pipeline());
            m.put("accuracy", c.accuracy());
            m.put("accuracyDropPoints", 100 * (r.baseline().accuracy() - c.accuracy()));
            m.put("wireBytes", c.wireBytes());
            m.put("fileOverWire", r.baseline().fileBytes() / (double) c.wireBytes());
            s.put("smallest", m);
        });
        s.put("target", ">= 50x fp32 file / wire, <= 0.5 point loss");
        s.put("candidates", r.candidates().size());
        s.put("cache", r.cache());
        s.put("elapsedSeconds", r.elapsedSeconds());
        return s;
    }

    /** Best student with at most a quarter of the teacher's parameters. */
    static Map<String, Object> distill(SearchResult r) {
        Map<String, Object> s = new LinkedHashMap<>();
        long teacher = r.baseline().params();
        s.put("teacherParams", teacher);
        s.put("teacherAccuracy", r.baseline().accuracy());
        List<Map<String, Object>> students = new ArrayList<>();
        for (Candidate c : r.candidates()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("pipeline", c.pipeline());
            x.put("params", c.params());
            x.put("paramsRatio", c.params() == null ? null : c.params() / (double) teacher);
            x.put("accuracy", c.accuracy());
            x.put("accuracyDropPoints", c.accuracy() == null ? null : 100 * (r.baseline().accuracy() - c.accuracy()));
            x.put("error", c.error());
            students.add(x);
        }
        s.put("students", students);
        Optional<Candidate> best = r.candidates().stream().filter(Candidate::ok)
                .filter(c -> c.params() != null && c.params() * 4 <= teacher)
                .max(Comparator.comparingDouble(Candidate::decidingAccuracy));
        s.put("met", best.isPresent() && 100 * (r.baseline().accuracy() - best.get().accuracy()) <= 1.5);
        s.put("target", "student <= 1/4 teacher params within 1.5 points");
        return s;
    }
}
