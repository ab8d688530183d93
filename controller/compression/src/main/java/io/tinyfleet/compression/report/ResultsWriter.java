package io.tinyfleet.compression.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tinyfleet.compression.search.Candidate;
import io.tinyfleet.compression.search.DeviceConstraints;
import io.tinyfleet.compression.search.SearchResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a search result as {@code results.json} (the whole {@link SearchResult}: {@code baseline},
 * {@code candidates} each with {@code pipeline}, {@code accuracy} (report half of the test split),
 * {@code selectionAccuracy} (the half choices were made on), {@code fileBytes}, {@code wireBytes}, {@code latencyMs},
 * {@code paretoOptimal} and {@code profiles.<id>.feasible/violated}, ...) and
 * {@code results.csv} (one row per model, baseline first, one group of columns per device profile).
 */
public final class ResultsWriter {

    /** The JSON mapper of the reports: records as they are, indented. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsWriter() {
    }

    /** Writes {@code results.json} into {@code dir} (created if missing) and returns the file. */
    public static Path writeJson(Object result, Path dir, String name) {
        Path f = dir.resolve(name);
        try {
            Files.createDirectories(dir);
            JSON.writeValue(f.toFile(), result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
        return f;
    }

    /** Writes {@code results.csv} of one search into {@code dir} and returns the file. */
    public static Path writeCsv(SearchResult r, Path dir, String name) {
        Path f = dir.resolve(name);
        try {
            Files.createDirectories(dir);
            Files.writeString(f, csv(List.of(r)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
        return f;
    }

    /** CSV of several searches (one model column); the profile columns are those of the first search. */
    public static String csv(List<SearchResult> results) {
        List<String> profiles = results.isEmpty() ? List.of() : new ArrayList<>(results.get(0).constraints().keySet());
        StringBuilder sb = new StringBuilder("model,pipeline,order,accuracy,fileBytes,wireBytes,peakMemoryBytes,"
                + "latencyMs,params,paretoOptimal,selectionAccuracy");
        for (String p : profiles) {
            sb.append(',').append(p).append(".feasible,").append(p).append(".violated,").append(p)
                    .append(".estimatedLatencyMs,").append(p).append(".estimatedEnergyMj");
        }
        sb.append(",error\n");
        for (SearchResult r : results) {
            row(sb, r.model(), r.baseline(), "baseline", profiles);
            for (Candidate c : r.candidates()) {
                row(sb, r.model(), c, c.pipeline(), profiles);
            }
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String model, Candidate c, String pipeline, List<String> profiles) {
        List<String> cells = new ArrayList<>(List.of(model, pipeline, c.orderText(), num(c.accuracy()),
                Long.toString(c.fileBytes()), Long.toString(c.wireBytes()), num(c.peakMemoryBytes()), num(c.latencyMs()),
                num(c.params()), Boolean.toString(c.paretoOptimal()), num(c.selectionAccuracy())));
        for (String p : profiles) {
            DeviceConstraints.Verdict v = c.profiles().get(p);
            cells.add(v == null ? "" : Boolean.toString(v.feasible()));
            cells.add(v == null ? "" : String.join(";", v.violated()));
            cells.add(v == null ? "" : num(v.estimatedLatencyMs()));
            cells.add(v == null ? "" : num(v.estimatedEnergyMj()));
        }
        cells.add(c.error() == null ? "" : c.error());
        sb.append(String.join(",", cells.stream().map(ResultsWriter::cell).toList())).append('\n');
    }

    private static String num(Number n) {
        if (n == null) {
            return "";
        }
        if (n instanceof Double d) {
            return String.format(Locale.ROOT, "%.6g", d);
        }
        return n.toString();
    }

    /** RFC 4180 quoting. */
    static String cell(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }
}
