package io.tinyfleet.server.dashboard;

import io.micronaut.json.JsonMapper;
import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.agent.telemetry.Emulation;
import io.tinyfleet.agent.telemetry.TelemetryAgent;
import io.tinyfleet.agent.telemetry.TelemetryOptions;
import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.TinyModels;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import io.tinyfleet.server.telemetry.TelemetryStore;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in headless Chromium against a running controller with two agents (one emulating a
 * Raspberry Pi 4): each page renders its charts (marker set by the page script), reports no script
 * errors, and every chart canvas has inked pixels in the screenshot; then, with the live feed on
 * (driven over DevTools, {@link DevToolsPage}), telemetry sampled after a page rendered reaches its
 * charts, and the page logs no error. Skips only where chromium is not installed (fails on CI).
 */
class DashboardChromiumTest {

    /** Debian's {@code chromium} (or {@code chromium-browser}) from /usr/bin or the PATH, if installed. */
    static Optional<Path> findChromium() {
        List<Path> dirs = new ArrayList<>(List.of(Path.of("/usr/bin")));
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isBlank()) {
                dirs.add(Path.of(d));
            }
        }
        for (Path d : dirs) {
            for (String name : List.of("chromium", "chromium-browser")) {
                if (Files.isExecutable(d.resolve(name))) {
                    return Optional.of(d.resolve(name));
                }
            }
        }
        return Optional.empty();
    }

    /** Chromium, or skip with the reason; on CI (environment CI set) a missing chromium fails: .ci/run installs it. */
    static Path chromiumOrSkip() {
        Optional<Path> c = findChromium();
        if (c.isEmpty()) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("chromium is not installed on CI (.ci/run installs the Debian package chromium)");
            }
            System.out.println("DashboardChromiumTest skipped: chromium is not installed (Debian package chromium)");
            Assumptions.abort("no chromium");
        }
        return c.get();
    }

    @Test
    void pages_renderChartsWithData_liveUpdatesArrive_andNoScriptErrors(@TempDir Path home) throws Exception {
        Path chromium = chromiumOrSkip();
        Path profiles = Path.of(System.getProperty("tinyfleet.root", "../.."), "device-profiles");
        try (ControllerServer c = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("controller")))) {
            List<AutoCloseable> open = new ArrayList<>();
            try {
                Emulation pi = Emulation.resolve("raspberry-pi-4", profiles);
                TelemetryAgent[] ta = new TelemetryAgent[2];
                String[] ids = {"dash-a", "dash-b"};
                for (int i = 0; i < 2; i++) {
                    Agent agent = agent(c, ids[i], home);
                    open.add(agent);
                    TelemetryOptions o = TelemetryOptions.defaults().withInterval(Duration.ofMillis(250)).withBatchSize(2);
                    ta[i] = agent.startTelemetry(i == 1 ? o.withEmulation(pi) : o); // on the session's own client
                }
                OnnxModel base = TinyModels.brightestPixel(1).withMetadata("tinyfleet.family", "tiny");
                List<BenchmarkReport> reports = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    reports.add(ta[i].benchmark(new TelemetryAgent.ActiveModel(base.withMetadata("tinyfleet.name", "tiny-a"),
                            "tiny-a", OptionalDouble.of(0.81), 20), "local", "", 50).get(60, TimeUnit.SECONDS));
                    reports.add(ta[i].benchmark(new TelemetryAgent.ActiveModel(base.withMetadata("tinyfleet.name", "tiny-b"),
                            "tiny-b", OptionalDouble.of(0.9), 20), "local", "", 50).get(60, TimeUnit.SECONDS));
                }
                reports.forEach(r -> assertTrue(r.getOk(), r.getError()));
                assertTrue(reports.get(2).getEmulated(), "dash-b emulates a Pi 4");
                TelemetryStore store = c.context().getBean(TelemetryStore.class);
                long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while ((store.count("dash-a") < 6 || store.count("dash-b") < 6
                        || store.benchmarks(null, "tiny", 10).size() < 4) && System.nanoTime() < end) {
                    Thread.sleep(100);
                }
                assertEquals(4, store.benchmarks(null, "tiny", 10).size());

                String base0 = c.httpUrl() + "/dashboard/";
                check(chromium, home, "index", base0 + "index.html?live=0", 2);
                check(chromium, home, "device", base0 + "device.html?id=dash-a&live=0", 4);
                check(chromium, home, "tradeoff", base0 + "tradeoff.html?family=tiny&live=0", 2);

                // live updates (SSE /api/live): a sample taken after the page rendered can only reach its chart
                // through the feed, since the page fetched its history before rendering
                JsonMapper json = c.context().getBean(JsonMapper.class);
                try (DevToolsPage page = DevToolsPage.open(chromium, Files.createTempDirectory(home, "cdp-"), json)) {
                    page.load(base0 + "device.html?id=dash-b", Duration.ofSeconds(30));
                    assertLiveSample(page, "cpu");
                    String memNote = (String) page.eval("document.getElementById('mem-note').textContent");
                    assertTrue(memNote.contains("of the emulated budget 3.5 GiB"), "dash-b emulates a Pi 4: " + memNote);
                    assertEquals("no model deployed to this device yet", page.eval("document.getElementById('models').textContent"));
                    page.load(base0 + "index.html", Duration.ofSeconds(30));
                    assertLiveSample(page, "spark-dash-a");
                    assertEquals(List.of(), page.errors(), "console errors with the live feed on");
                }
            } finally {
                for (AutoCloseable a : open) {
                    a.close();
                }
            }
        }
    }

    private static Agent agent(ControllerServer c, String id, Path home) {
        Map<String, String> m = new HashMap<>();
        m.put(AgentConfig.BROKER, c.brokerUrl());
        m.put(AgentConfig.ID, id);
        m.put(AgentConfig.HOME, home.resolve("agent-" + id).toString());
        m.put(AgentConfig.HEARTBEAT_S, "1");
        Agent a = Agent.start(AgentConfig.of(m, "test"));
        try {
            assertTrue(a.awaitConnected(Duration.ofSeconds(20)), id + " did not connect");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return a;
    }

    /** Waits until chart {@code canvasId} holds a point sampled after now, i.e. one that came by the live feed. */
    private static void assertLiveSample(DevToolsPage page, String canvasId) throws Exception {
        assertEquals(null, page.eval("document.body.dataset.errors || null"), "page errors");
        long rendered = System.currentTimeMillis();
        String js = "Chart.getChart('" + canvasId + "').data.datasets[0].data.some(p => p.x > " + rendered + ")";
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Boolean.TRUE.equals(page.eval(js))) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no live sample reached chart " + canvasId + " in 20 s; points: "
                        + page.eval("JSON.stringify(Chart.getChart('" + canvasId + "').data.datasets[0].data.slice(-3))")
                        + "; errors: " + page.errors());
            }
            Thread.sleep(100);
        }
    }

    /** Loads {@code url} twice (DOM, screenshot) and checks the marker, errors and inked chart pixels. */
    private static void check(Path chromium, Path home, String name, String url, int minCharts) throws Exception {
        Path profileDir = Files.createTempDirectory(home, "chromium-");
        Run dom = chromium(chromium, profileDir, List.of("--dump-dom", url));
        assertFalse(dom.err.contains("Uncaught"), name + ": console error: " + dom.err);
        String html = dom.out;
        assertFalse(html.contains("data-errors="), name + ": page reported errors: " + attr(html, "data-errors"));
        assertTrue(html.contains("data-rendered="), name + ": charts not rendered: " + html.substring(0, Math.min(2000, html.length())));
        String charts = attr(html, "data-charts");
        Path png = home.resolve(name + ".png");
        Path profileDir2 = Files.createTempDirectory(home, "chromium-");
        chromium(chromium, profileDir2, List.of("--screenshot=" + png, url));
        BufferedImage img = ImageIO.read(png.toFile());
        int inked = 0;
        for (String rect : charts.split(";")) {
            String[] f = rect.split(":");
            int x = Integer.parseInt(f[1]), y = Integer.parseInt(f[2]), w = Integer.parseInt(f[3]), h = Integer.parseInt(f[4]);
            int colored = 0;
            for (int yy = Math.max(0, y); yy < Math.min(img.getHeight(), y + h); yy++) {
                for (int xx = Math.max(0, x); xx < Math.min(img.getWidth(), x + w); xx++) {
                    int p = img.getRGB(xx, yy);
                    int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
                    if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
                        colored++;
                    }
                }
            }
            if (y + h <= img.getHeight() && colored >= 20) {
                inked++;
            }
        }
        assertTrue(inked >= minCharts, name + ": only " + inked + " chart(s) with coloured pixels in " + charts);
    }

    private static String attr(String html, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(html);
        return m.find() ? m.group(1) : "";
    }

    private record Run(String out, String err) {
    }

    private static Run chromium(Path chromium, Path userDir, List<String> extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + userDir, "--virtual-time-budget=5000", "--window-size=1280,900",
                "--enable-logging=stderr", "--v=0", "--hide-scrollbars"));
        cmd.addAll(extra);
        Path out = Files.createTempFile(userDir, "out", ".txt");
        Path err = Files.createTempFile(userDir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 60 s: " + cmd);
        }
        return new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
