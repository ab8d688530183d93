package io.tinyfleet.cli.bench;

import io.tinyfleet.cli.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyfleet bench}: runs benchmark suites, prints their figures as JSON and writes them
 * to {@code bench-results/<suite>-<time>.json}. Speed and memory targets are checked here, never
 * in unit tests.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run benchmark suites; print JSON and write bench-results/<suite>-<time>.json.")
public final class BenchCommand implements Callable<Integer> {

    /** Every suite, in the order {@code all} runs them. Add a suite here. */
    static List<BenchSuite> suites() {
        return List.of(
                new SearchSuite(),
                new OtaSuite(),
                new CompressionSuite(),
                new RuntimeSuite(),
                new SensorsSuite(),
                new AgentSuite(),
                new TrainingSuite()
        );
    }

    @Parameters(arity = "0..*", paramLabel = "SUITE",
            description = "Suites to run (default: all). Use --list to see them.")
    List<String> names = new ArrayList<>();

    @Option(names = "--list", description = "List the suites and exit.")
    boolean list;

    @Option(names = "--data", defaultValue = "fashion-mnist",
            description = "Dataset: fashion-mnist or a folder of IDX files (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--out", defaultValue = "bench-results",
            description = "Folder for result files and intermediate models (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--quick", description = "Shorter runs for a smoke check (results labelled quick).")
    boolean quick;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (list) {
            for (BenchSuite s : suites()) {
                System.out.printf("%-14s %s%n", s.name(), s.description());
            }
            return 0;
        }
        List<BenchSuite> chosen = new ArrayList<>();
        for (BenchSuite s : suites()) {
            if (names.isEmpty() || names.contains(s.name())) {
                chosen.add(s);
            }
        }
        for (String n : names) {
            if (suites().stream().noneMatch(s -> s.name().equals(n))) {
                throw new IllegalArgumentException("unknown bench suite '" + n + "' (see tinyfleet bench --list)");
            }
        }
        Files.createDirectories(out);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Map<String, Object> all = new LinkedHashMap<>();
        for (BenchSuite s : chosen) {
            Path work = Files.createDirectories(out.resolve("work").resolve(s.name()));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("suite", s.name());
            result.put("quick", quick);
            result.put("startedAt", Instant.now().toString());
            result.put("machine", machine());
            result.putAll(s.run(new BenchOptions(data, work, quick, seed)));
            Path file = out.resolve(s.name() + "-" + stamp + ".json");
            write(file, Json.write(result));
            result.put("resultsFile", file.toString());
            all.put(s.name(), result);
        }
        Json.print(System.out, all);
        return 0;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("arch", System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text + System.lineSeparator());
    }
}
