package io.tinyfleet.cli;

import io.tinyfleet.compression.FineTuners;
import io.tinyfleet.compression.TechniqueContext;
import io.tinyfleet.compression.report.HtmlReport;
import io.tinyfleet.compression.report.ResultsWriter;
import io.tinyfleet.compression.report.StudyAnalysis;
import io.tinyfleet.compression.search.Deadline;
import io.tinyfleet.compression.search.Limits;
import io.tinyfleet.compression.search.SearchResult;
import io.tinyfleet.compression.search.SearchSetup;
import io.tinyfleet.compression.search.Step;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tinyfleet study}: the seed experiment. For each baseline model (mlp, lenet5, mobile from
 * {@code bench-results/models}), every single technique and every order of the chosen techniques
 * (exhaustive search), then one report with the best order per constraint and a comparison with
 * the published orders (Deep Compression; Shen et al. 2024; weaker perturbations first).
 */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = "Run every single technique and every order of the chosen techniques on the baseline models; "
                + "write one report with the best order per constraint and the published orders compared.")
public final class StudyCommand implements Callable<Integer> {

    @Option(names = "--models", split = ",", defaultValue = "mlp,lenet5,mobile",
            description = "Baseline models in --model-dir (default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--model-dir", defaultValue = "bench-results/models",
            description = "Folder of the trained baselines NAME.onnx (default: ${DEFAULT-VALUE}).")
    Path modelDir;

    @Option(names = "--techniques", split = ",", defaultValue = "prune,cluster,quantize,lowrank",
            description = "Techniques whose orders are studied (default: ${DEFAULT-VALUE}).")
    List<String> techniques;

    @Option(names = "--try", paramLabel = "STEP", description = "Settings to try instead of the defaults (repeatable).")
    List<String> tries = new ArrayList<>();

    @Option(names = "--data", defaultValue = "fashion-mnist", description = "Dataset (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--profile", paramLabel = "YAML", description = "Device profile to check (repeatable).")
    List<Path> profiles = new ArrayList<>();

    @Option(names = "--budget", defaultValue = "30m", description = "Time budget per model (default: ${DEFAULT-VALUE}).")
    String budget;

    @Option(names = "--eval-limit", defaultValue = "2000", description = "Images of each test half per candidate "
            + "(0 = all).")
    int evalLimit;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of every technique.")
    long seed;

    @Option(names = "--report", defaultValue = "study-report", paramLabel = "DIR",
            description = "Folder for report.html, results.json, results.csv (default: ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--json", description = "Print a summary as JSON.")
    boolean json;

    @Override
    public Integer call() {
        List<OnnxModel> loaded = new ArrayList<>();
        for (String m : models) {
            Path f = modelDir.resolve(m + ".onnx");
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("no baseline model " + f + ": train it first (tinyfleet train " + m
                        + " --out " + f + ") or name others with --models");
            }
            loaded.add(OnnxModel.load(f));
        }
        LabeledImages[] tv = TechniqueContext.trainValidation(LabeledImages.load(data, Split.TRAIN));
        LabeledImages test = LabeledImages.load(data, Split.TEST);
        Duration b = Deadline.parseBudget(budget);
        List<SearchResult> results = new ArrayList<>();
        List<HtmlReport.Section> sections = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            SearchSetup.Options o = new SearchSetup.Options(data, techniques, tries.stream().map(Step::parse).toList(), 0,
                    "exhaustive", profiles, Limits.DEFAULT, b, evalLimit, 30, seed, report.resolve("cache"), "wire", 128);
            SearchResult r = SearchSetup.run(loaded.get(i), models.get(i), o, tv[0], tv[1], test,
                    FineTuners.standard(), System.err::println);
            results.add(r);
            sections.add(new HtmlReport.Section(models.get(i), r, StudyAnalysis.html(r)));
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("winners", StudyAnalysis.winners(r));
            s.put("published", StudyAnalysis.published(r));
            s.put("candidates", r.candidates().size());
            s.put("cache", r.cache());
            s.put("elapsedSeconds", r.elapsedSeconds());
            summary.put(models.get(i), s);
        }
        Path html = HtmlReport.write(report, "TinyFleet study: which order of compression techniques wins?",
                "<p>Every single technique and every order of " + HtmlReport.esc(String.join(", ", techniques))
                        + " on " + HtmlReport.esc(String.join(", ", models)) + ", measured on " + HtmlReport.esc(data)
                        + ".</p>", sections);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("study", summary);
        all.put("searches", results);
        ResultsWriter.writeJson(all, report, "results.json");
        try {
            Files.writeString(report.resolve("results.csv"), ResultsWriter.csv(results));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report.resolve("results.csv") + ": " + e.getMessage(), e);
        }
        summary.put("report", html.toString());
        if (json) {
            Json.print(System.out, summary);
        } else {
            summary.forEach((k, v) -> {
                if (v instanceof Map<?, ?> m) {
                    System.out.println(k + ":");
                    ((List<?>) m.get("winners")).forEach(w -> System.out.println("  " + w));
                    ((List<?>) m.get("published")).forEach(p -> System.out.println("  " + p));
                }
            });
            System.out.println("report: " + html);
        }
        return 0;
    }
}
