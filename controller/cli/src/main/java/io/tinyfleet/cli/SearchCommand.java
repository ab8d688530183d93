package io.tinyfleet.cli;

import io.tinyfleet.compression.FineTuners;
import io.tinyfleet.compression.report.HtmlReport;
import io.tinyfleet.compression.report.ResultsWriter;
import io.tinyfleet.compression.search.Deadline;
import io.tinyfleet.compression.search.Limits;
import io.tinyfleet.compression.search.SearchResult;
import io.tinyfleet.compression.search.SearchSetup;
import io.tinyfleet.compression.search.Step;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyfleet search MODEL --techniques prune,cluster,quantize --data fashion-mnist
 * --profile device-profiles/X.yaml --budget 30m --report DIR [--json]}: searches orders and settings
 * of compression techniques, measures every candidate, keeps the Pareto front and names the best
 * feasible candidate per device; writes {@code DIR/report.html}, {@code results.json} and
 * {@code results.csv}.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Search orders and settings of compression techniques for MODEL; write report.html, "
                + "results.json and results.csv with the Pareto front and the best candidate per device.")
public final class SearchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model to compress.")
    Path model;

    @Option(names = "--techniques", required = true, split = ",", paramLabel = "T,T",
            description = "Techniques to combine, e.g. distill,prune,cluster,quantize,lowrank.")
    List<String> techniques;

    @Option(names = "--try", paramLabel = "STEP",
            description = "A setting to try, e.g. 'prune:sparsity=0.95,finetune=1' (repeatable; replaces that "
                    + "technique's two defaults).")
    List<String> tries = new ArrayList<>();

    @Option(names = "--depth", defaultValue = "0", description = "Longest pipeline (default: all techniques).")
    int depth;

    @Option(names = "--strategy", defaultValue = "auto",
            description = "auto (exhaustive up to 400 pipelines, else beam), exhaustive, beam or beam:WIDTH.")
    String strategy;

    @Option(names = "--data", defaultValue = "fashion-mnist", description = "Dataset (default: ${DEFAULT-VALUE}): "
            + "the training split less its last 5,000 images fine-tunes and calibrates, those 5,000 validate "
            + "accuracy-driven steps; the test split's even-numbered images decide (front, floor, best) and "
            + "its odd-numbered ones measure the accuracy reported.")
    String data;

    @Option(names = "--profile", paramLabel = "YAML", description = "Device profile to check (repeatable).")
    List<Path> profiles = new ArrayList<>();

    @Option(names = "--budget", defaultValue = "30m", description = "Time budget, e.g. 30m, 2h, 0 = none "
            + "(default: ${DEFAULT-VALUE}).")
    String budget;

    @Option(names = "--report", defaultValue = "search-report", paramLabel = "DIR",
            description = "Folder for report.html, results.json, results.csv (default: ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--cache", paramLabel = "DIR", description = "Candidate cache folder (default: DIR/cache).")
    Path cache;

    @Option(names = "--eval-limit", defaultValue = "0", description = "Images of each test half per candidate "
            + "(0 = all).")
    int evalLimit;

    @Option(names = "--latency-runs", defaultValue = "50", description = "Timed batch-1 runs per candidate.")
    int latencyRuns;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of every technique.")
    long seed;

    @Option(names = "--calibration", defaultValue = "128", description = "Calibration images for quantisation.")
    int calibration;

    @Option(names = "--prefer", defaultValue = "wire",
            description = "Best feasible = smallest wire, file, latency, energy, or highest accuracy.")
    String prefer;

    @Option(names = "--max-accuracy-drop", defaultValue = "1.0",
            description = "Accuracy floor in points below the baseline, on the deciding test half "
                    + "(default: ${DEFAULT-VALUE}).")
    double maxDrop;

    @Option(names = "--max-latency-ms", description = "Latency budget on the device (estimated).")
    Double maxLatencyMs;

    @Option(names = "--max-energy-mj", description = "Energy budget per inference on the device (estimated).")
    Double maxEnergyMj;

    @Option(names = "--memory-share", defaultValue = "0.5", description = "Share of device RAM a model may use.")
    double memoryShare;

    @Option(names = "--storage-share", defaultValue = "0.5", description = "Share of device storage a model may use.")
    double storageShare;

    @Option(names = "--json", description = "Print a summary as JSON.")
    boolean json;

    @Override
    public Integer call() {
        OnnxModel m = OnnxModel.load(model);
        SearchResult r = SearchSetup.run(m, name(model), options(), FineTuners.standard(),
                line -> System.err.println(line));
        Map<String, Object> summary = write(r, report, "Compression search: " + r.model());
        if (json) {
            Json.print(System.out, summary);
        } else {
            System.out.println(text(r, summary));
        }
        return 0;
    }

    SearchSetup.Options options() {
        return new SearchSetup.Options(data, techniques, tries.stream().map(Step::parse).toList(), depth, strategy,
                profiles, new Limits(memoryShare, storageShare, maxLatencyMs, maxEnergyMj, maxDrop),
                Deadline.parseBudget(budget), evalLimit, latencyRuns, seed, cache != null ? cache : report.resolve("cache"),
                prefer, calibration);
    }

    static String name(Path model) {
        String n = model.getFileName().toString();
        return n.endsWith(".onnx") ? n.substring(0, n.length() - 5) : n;
    }

    /** Writes the three files and returns the summary printed by {@code --json}. */
    static Map<String, Object> write(SearchResult r, Path dir, String title) {
        Path json = ResultsWriter.writeJson(r, dir, "results.json");
        Path csv = ResultsWriter.writeCsv(r, dir, "results.csv");
        Path html = HtmlReport.write(dir, title, "", List.of(new HtmlReport.Section(r.model(), r, "")));
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", r.model());
        s.put("report", html.toString());
        s.put("results", json.toString());
        s.put("csv", csv.toString());
        s.put("baseline", r.baseline());
        s.put("candidates", r.candidates().size());
        s.put("paretoFront", r.candidates().stream().filter(c -> c.paretoOptimal()).map(c -> c.pipeline()).toList());
        s.put("best", r.best());
        s.put("cache", r.cache());
        s.put("pipelinesInSpace", r.pipelinesInSpace());
        s.put("excluded", r.excluded());
        s.put("elapsedSeconds", r.elapsedSeconds());
        s.put("budgetExhausted", r.budgetExhausted());
        return s;
    }

    static String text(SearchResult r, Map<String, Object> s) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: %d candidates in %.0f s (%d steps run, %d reused from cache, %d from"
                        + " disk)%s%n", r.model(), r.candidates().size(), r.elapsedSeconds(), r.cache().stepRuns(),
                r.cache().stepHits(), r.cache().diskHits(), r.budgetExhausted() ? ", budget exhausted" : ""));
        sb.append(String.format(Locale.ROOT, "baseline: accuracy %.4f%s, wire %d B%n", r.baseline().accuracy(),
                r.baseline().selectionAccuracy() == null ? "" : String.format(Locale.ROOT, " (selection half %.4f)",
                        r.baseline().selectionAccuracy()), r.baseline().wireBytes()));
        r.best().values().forEach(b -> sb.append(b.profile()).append(": ")
                .append(b.pipeline() == null ? "none" : b.pipeline()).append(" (").append(b.reason()).append(")\n"));
        sb.append("report: ").append(s.get("report"));
        return sb.toString();
    }

    static List<String> csv(String s) {
        return Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }
}
