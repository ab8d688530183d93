package io.tinyfleet.compression.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinyfleet.compression.search.FakeSearches;
import io.tinyfleet.compression.search.SearchResult;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void resultsJson_hasTheKeysTheIssueNames(@TempDir Path dir) throws Exception {
        SearchResult r = FakeSearches.exhaustive(2);
        JsonNode root = ResultsWriter.JSON.readTree(ResultsWriter.writeJson(r, dir, "results.json").toFile());
        JsonNode c = root.get("candidates").get(0);
        for (String k : List.of("pipeline", "accuracy", "fileBytes", "wireBytes", "latencyMs", "paretoOptimal")) {
            assertTrue(c.has(k), k);
            assertTrue(root.get("baseline").has(k), "baseline " + k);
        }
        assertTrue(c.get("profiles").get("tiny-board").has("feasible"));
        assertTrue(c.get("profiles").get("tiny-board").has("violated"));
        assertEquals(r.candidates().size(), root.get("candidates").size());
    }

    @Test
    void resultsCsv_hasOneRowPerModel_baselineFirst(@TempDir Path dir) throws Exception {
        SearchResult r = FakeSearches.exhaustive(2);
        List<String> lines = Files.readAllLines(ResultsWriter.writeCsv(r, dir, "results.csv"));
        assertEquals(r.candidates().size() + 2, lines.size());
        assertTrue(lines.get(0).startsWith("model,pipeline,order,accuracy,fileBytes,wireBytes"));
        assertTrue(lines.get(0).contains("tiny-board.feasible,tiny-board.violated"));
        assertTrue(lines.get(1).startsWith("tiny,baseline,baseline,"));
        assertEquals("\"a,b\"", ResultsWriter.cell("a,b"));
    }

    @Test
    void html_isOneSelfContainedFile_withChartJsInlined() {
        String html = HtmlReport.render("t", "", List.of(new HtmlReport.Section("tiny", FakeSearches.exhaustive(2), "")));
        assertTrue(html.contains("Chart.js v4.4.1"));
        assertFalse(html.contains("<script src"), "no external scripts");
        assertFalse(html.contains("http://") && html.contains("<link"), "no external styles");
        assertTrue(html.contains("Technique orders"));
    }

    /** Opens the report in headless Chromium: no console errors, charts drawn, pixels inside each chart. */
    @Test
    void html_opensInHeadlessChromium_andItsChartsRender(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            System.out.println("SKIPPED html_opensInHeadlessChromium: " + CHROMIUM + " is not installed");
            Assumptions.abort("chromium is not installed at " + CHROMIUM);
        }
        Path report = HtmlReport.write(dir, "Search report test", "<p>synthetic points</p>",
                List.of(new HtmlReport.Section("tiny model", FakeSearches.exhaustive(3), "")));
        Path png = dir.resolve("shot.png");
        Run shot = chromium(dir, "--screenshot=" + png, "--window-size=1200,900", "--enable-logging=stderr", "--v=0",
                report.toUri().toString());
        assertFalse(shot.err.contains("Uncaught"), shot.err);
        assertFalse(shot.err.contains("ERROR:CONSOLE"), shot.err);
        assertFalse(Pattern.compile("CONSOLE.*(Error|error)").matcher(shot.err).find(), shot.err);
        Run dom = chromium(dir, "--dump-dom", "--window-size=1200,900", report.toUri().toString());
        Matcher rendered = Pattern.compile("data-charts-rendered=\"(\\d+)\"").matcher(dom.out);
        assertTrue(rendered.find(), "the page script finished: " + dom.err);
        assertEquals("2", rendered.group(1));
        Matcher rects = Pattern.compile("data-chart-rects=\"([^\"]+)\"").matcher(dom.out);
        assertTrue(rects.find());
        BufferedImage img = ImageIO.read(png.toFile());
        List<int[]> boxes = new ArrayList<>();
        Matcher box = Pattern.compile("\\[(\\d+),(\\d+),(\\d+),(\\d+)]").matcher(rects.group(1).replace("&quot;", ""));
        while (box.find()) {
            boxes.add(new int[]{Integer.parseInt(box.group(1)), Integer.parseInt(box.group(2)),
                    Integer.parseInt(box.group(3)), Integer.parseInt(box.group(4))});
        }
        assertEquals(2, boxes.size());
        for (int[] b : boxes) {
            assertTrue(b[1] + b[3] <= img.getHeight(), "chart inside the screenshot: " + java.util.Arrays.toString(b));
            long ink = 0;
            long colour = 0;
            for (int y = b[1]; y < b[1] + b[3]; y++) {
                for (int x = b[0]; x < b[0] + b[2]; x++) {
                    int rgb = img.getRGB(x, y);
                    int r = (rgb >> 16) & 255;
                    int g = (rgb >> 8) & 255;
                    int bl = rgb & 255;
                    if (r < 230 || g < 230 || bl < 230) {
                        ink++;
                    }
                    if (r > 180 && g < 140 && bl < 100) {
                        colour++;   // the orange Pareto points
                    }
                }
            }
            assertTrue(ink > 2000, "chart at " + java.util.Arrays.toString(b) + " has only " + ink + " inked pixels");
            assertTrue(colour > 30, "Pareto points visible in chart " + java.util.Arrays.toString(b) + ": " + colour);
        }
    }

    record Run(String out, String err) {
    }

    static Run chromium(Path dir, String... args) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
        cmd.addAll(List.of(args));
        File out = dir.resolve("out-" + System.nanoTime()).toFile();
        File err = dir.resolve("err-" + System.nanoTime()).toFile();
        Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s");
        }
        return new Run(Files.readString(out.toPath()), Files.readString(err.toPath()));
    }
}
