package io.tinyfleet.compression.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tinyfleet.compression.search.Candidate;
import io.tinyfleet.compression.search.DeviceConstraints;
import io.tinyfleet.compression.search.SearchResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The search report: one self-contained HTML file (Chart.js 4.4.1 from its WebJar inlined, no
 * network needed) with, per model, scatter charts of accuracy against wire size (log scale) and
 * against latency, the Pareto front highlighted, the best feasible candidate per device, a table
 * of technique orders and one of every candidate. Charts, front, floors and picks use the accuracy the
 * search decided on ({@code Candidate#decidingAccuracy}: the selection half of the test split when
 * measured); the tables also give the accuracy on the report half, which is what a model is reported with.
 *
 * <p>When the charts are drawn the page sets {@code data-charts-rendered} (number of charts) and
 * {@code data-chart-rects} (their positions) on {@code <body>}, so a headless browser can check it.
 */
public final class HtmlReport {

    /** Classpath location of Chart.js inside the WebJar. */
    public static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";

    /**
     * One model's part of the report.
     *
     * @param title     heading
     * @param result    the search
     * @param extraHtml more HTML placed after the charts (trusted, built by the caller), or empty
     */
    public record Section(String title, SearchResult result, String extraHtml) {
    }

    private HtmlReport() {
    }

    /** Writes {@code report.html} into {@code dir} and returns the file. */
    public static Path write(Path dir, String title, String introHtml, List<Section> sections) {
        Path f = dir.resolve("report.html");
        try {
            Files.createDirectories(dir);
            Files.writeString(f, render(title, introHtml, sections));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
        return f;
    }

    /** The whole page. */
    public static String render(String title, String introHtml, List<Section> sections) {
        StringBuilder body = new StringBuilder();
        List<Map<String, Object>> data = new ArrayList<>();
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            SearchResult r = s.result();
            data.add(chartData(r));
            body.append("<section><h2>").append(esc(s.title())).append("</h2>\n");
            body.append("<p class=summary>").append(esc(summary(r))).append("</p>\n");
            body.append("<div class=charts><div class=chart><canvas id=\"wire-").append(i)
                    .append("\"></canvas></div><div class=chart><canvas id=\"lat-").append(i)
                    .append("\"></canvas></div></div>\n");
            body.append(bestTable(r));
            body.append(s.extraHtml() == null ? "" : s.extraHtml());
            body.append(ordersTable(r));
            body.append(candidatesTable(r));
            body.append(notes(r));
            body.append("</section>\n");
        }
        String json;
        try {
            json = ResultsWriter.JSON.writeValueAsString(data).replace("</", "<\\/");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise chart data: " + e.getOriginalMessage(), e);
        }
        return "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>" + esc(title) + "</title>\n<style>"
                + CSS + "</style>\n</head><body>\n<h1>" + esc(title) + "</h1>\n"
                + (introHtml == null ? "" : introHtml) + "\n" + body
                + "<script type=\"application/json\" id=data>" + json + "</script>\n<script>" + chartJs()
                + "</script>\n<script>" + SCRIPT + "</script>\n</body></html>\n";
    }

    /** Chart.js from the WebJar on the classpath. */
    static String chartJs() {
        try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(CHART_JS)) {
            if (in == null) {
                throw new IllegalStateException("Chart.js is not on the classpath (" + CHART_JS
                        + "): the org.webjars.npm:chart.js dependency is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Chart.js: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> chartData(SearchResult r) {
        Map<String, List<String>> bestFor = new LinkedHashMap<>();
        r.best().values().forEach(b -> {
            if (b.pipeline() != null) {
                bestFor.computeIfAbsent(b.pipeline(), k -> new ArrayList<>()).add(b.profile());
            }
        });
        List<Map<String, Object>> pts = new ArrayList<>();
        for (Candidate c : r.candidates()) {
            if (c.ok()) {
                pts.add(point(c, c.pipeline(), bestFor.getOrDefault(c.pipeline(), List.of())));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("accuracyOf", r.baseline().selectionAccuracy() != null ? "selection half" : "test");
        m.put("baseline", r.baseline().ok() ? point(r.baseline(), "baseline (" + r.model() + ")", List.of()) : null);
        m.put("points", pts);
        return m;
    }

    private static Map<String, Object> point(Candidate c, String label, List<String> best) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("label", label);
        p.put("acc", 100 * c.decidingAccuracy());
        p.put("wire", c.wireBytes());
        p.put("lat", c.latencyMs());
        p.put("pareto", c.paretoOptimal());
        p.put("best", best);
        return p;
    }

    private static String summary(SearchResult r) {
        Candidate b = r.baseline();
        long ok = r.candidates().stream().filter(Candidate::ok).count();
        long front = r.candidates().stream().filter(Candidate::paretoOptimal).count();
        return String.format(Locale.ROOT, "Baseline: accuracy %s, %,d bytes on the wire, %s ms. %d candidates"
                        + " measured, %d failed (the error says which step and why); %d pipelines in the space; strategy"
                        + " %s; %d on the Pareto front. Steps run %d, reused from the cache %d (+%d from disk); %.0f s%s.",
                pct(b.accuracy()) + (b.selectionAccuracy() == null ? "" : " (report half of the test split; "
                        + pct(b.selectionAccuracy()) + " on the selection half, which choices are made on)"),
                b.wireBytes(), ms(b.latencyMs()), ok, r.candidates().size() - ok, r.pipelinesInSpace(), r.strategy(),
                front, r.cache().stepRuns(), r.cache().stepHits(), r.cache().diskHits(), r.elapsedSeconds(),
                r.budgetExhausted() ? " (budget exhausted)" : "");
    }

    private static String bestTable(SearchResult r) {
        if (r.best().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("<h3>Best feasible candidate per device</h3>\n<table><tr><th>device"
                + "<th>constraints<th>choice<th>why</tr>\n");
        for (SearchResult.Best b : r.best().values()) {
            DeviceConstraints c = r.constraints().get(b.profile());
            String limits = String.format(Locale.ROOT, "RAM &le; %s, storage &le; %s%s%s%s", mb(c.maxMemoryBytes()),
                    mb(c.maxStorageBytes()), c.maxLatencyMs() == null ? "" : ", latency &le; " + ms(c.maxLatencyMs()) + " ms (est.)",
                    c.maxEnergyMj() == null ? "" : String.format(Locale.ROOT, ", energy &le; %.3g mJ (est.)", c.maxEnergyMj()),
                    c.minAccuracy() == null ? "" : ", accuracy &ge; " + pct(c.minAccuracy()));
            sb.append("<tr><td>").append(esc(b.profile())).append("<td>").append(limits).append("<td>")
                    .append(b.pipeline() == null ? "<b class=bad>none</b>" : "<code>" + esc(b.pipeline()) + "</code>")
                    .append("<td>").append(esc(b.reason())).append("</tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    private static String ordersTable(SearchResult r) {
        Map<String, List<Candidate>> byOrder = r.candidates().stream().filter(Candidate::ok)
                .collect(Collectors.groupingBy(Candidate::orderText, LinkedHashMap::new, Collectors.toList()));
        double floor = r.baseline().decidingAccuracy() == null ? 0 : r.baseline().decidingAccuracy() - 0.01;
        StringBuilder sb = new StringBuilder("<h3>Technique orders</h3>\n<p>For each order of techniques (all its"
                + " settings): the best accuracy, and the smallest wire size and lowest latency among its candidates"
                + " within 1 point of the baseline's accuracy (on the images the search decides on).</p>\n<table class=sortable><tr><th>order<th>candidates"
                + "<th>best accuracy<th>smallest wire (&le;1 pt loss)<th>compression<th>lowest latency (&le;1 pt loss)"
                + "<th>on front</tr>\n");
        List<Map.Entry<String, List<Candidate>>> rows = new ArrayList<>(byOrder.entrySet());
        rows.sort(Comparator.comparingLong(e -> e.getValue().stream().filter(c -> c.decidingAccuracy() >= floor)
                .mapToLong(Candidate::wireBytes).min().orElse(Long.MAX_VALUE)));
        for (Map.Entry<String, List<Candidate>> e : rows) {
            List<Candidate> cs = e.getValue();
            List<Candidate> good = cs.stream().filter(c -> c.decidingAccuracy() >= floor).toList();
            double bestAcc = cs.stream().mapToDouble(Candidate::accuracy).max().orElse(Double.NaN);
            long wire = good.stream().mapToLong(Candidate::wireBytes).min().orElse(-1);
            double lat = good.stream().mapToDouble(Candidate::latencyMs).min().orElse(Double.NaN);
            sb.append("<tr><td>").append(esc(e.getKey())).append("<td>").append(cs.size()).append("<td>")
                    .append(pct(bestAcc)).append("<td>").append(wire < 0 ? "&ndash;" : String.format(Locale.ROOT, "%,d", wire))
                    .append("<td>").append(wire <= 0 ? "&ndash;" : String.format(Locale.ROOT, "%.1fx",
                            r.baseline().wireBytes() / (double) wire))
                    .append("<td>").append(Double.isNaN(lat) ? "&ndash;" : ms(lat)).append("<td>")
                    .append(cs.stream().filter(Candidate::paretoOptimal).count()).append("</tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    private static String candidatesTable(SearchResult r) {
        List<String> profiles = new ArrayList<>(r.constraints().keySet());
        StringBuilder sb = new StringBuilder("<details><summary>All ").append(r.candidates().size())
                .append(" candidates (smallest on the wire first)</summary>\n<table><tr><th>pipeline<th>accuracy"
                        + "<th>selection<th>wire bytes<th>file bytes<th>latency ms<th>memory<th>front");
        profiles.forEach(p -> sb.append("<th>").append(esc(p)));
        sb.append("</tr>\n");
        List<Candidate> rows = new ArrayList<>(r.candidates());
        rows.sort(Comparator.comparing((Candidate c) -> !c.ok()).thenComparingLong(Candidate::wireBytes));
        for (Candidate c : rows) {
            sb.append(c.paretoOptimal() ? "<tr class=front>" : "<tr>").append("<td><code>").append(esc(c.pipeline()))
                    .append("</code>");
            if (!c.ok()) {
                sb.append("<td colspan=").append(7 + profiles.size()).append(" class=bad>")
                        .append(esc(c.error() == null ? "not measured" : c.error())).append("</tr>\n");
                continue;
            }
            sb.append("<td>").append(pct(c.accuracy())).append("<td>").append(c.selectionAccuracy() == null ? "&ndash;"
                    : pct(c.selectionAccuracy())).append(String.format(Locale.ROOT, "<td>%,d<td>%,d<td>",
                    c.wireBytes(), c.fileBytes())).append(ms(c.latencyMs())).append("<td>")
                    .append(c.peakMemoryBytes() == null ? "?" : mb(c.peakMemoryBytes())).append("<td>")
                    .append(c.paretoOptimal() ? "&#9733;" : "");
            for (String p : profiles) {
                DeviceConstraints.Verdict v = c.profiles().get(p);
                sb.append("<td>").append(v.feasible() ? "ok" : "<span class=bad title=\"" + esc(String.join("; ",
                        v.violations())) + "\">" + esc(String.join(", ", v.violated())) + "</span>");
            }
            sb.append("</tr>\n");
        }
        return sb.append("</table></details>\n").toString();
    }

    private static String notes(SearchResult r) {
        StringBuilder sb = new StringBuilder("<ul class=notes>");
        for (String n : r.notes()) {
            sb.append("<li>").append(esc(n));
        }
        sb.append("<li>").append(esc(String.valueOf(r.estimates().get("method"))));
        return sb.append("</ul>\n").toString();
    }

    static String pct(Double a) {
        return a == null || a.isNaN() ? "?" : String.format(Locale.ROOT, "%.2f%%", 100 * a);
    }

    static String ms(Double d) {
        return d == null ? "?" : String.format(Locale.ROOT, "%.3f", d);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** HTML escaping of text. */
    public static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static final String CSS = """
            body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222}
            h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:8px 0 2px;border-top:1px solid #ccc;padding-top:6px}
            .charts{display:flex;gap:16px;flex-wrap:wrap}.chart{width:560px;height:380px;position:relative}
            table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
            th{background:#f3f3f3}tr.front td{background:#fff4e5}.bad{color:#b00020}code{font-size:12px}
            .summary{margin:2px 0 6px}.notes{color:#555;font-size:12px}
            """;

    private static final String SCRIPT = """
            (function(){
            var data=JSON.parse(document.getElementById('data').textContent);
            var charts=[];
            function front2d(points,x){
              var s=points.slice().sort(function(a,b){return a[x]-b[x]||b.acc-a.acc;});
              var out=[],best=-Infinity;
              s.forEach(function(p){if(p.acc>best){best=p.acc;out.push({x:p[x],y:p.acc,label:p.label});}});
              return out;}
            function make(id,pts,base,x,xTitle,log,split){
              var ds=[
               {label:'candidates',data:pts.filter(function(p){return !p.pareto;}).map(function(p){return {x:p[x],y:p.acc,label:p.label};}),
                backgroundColor:'rgba(90,110,140,0.45)',pointRadius:3,order:4},
               {label:'Pareto front (accuracy, wire, latency)',data:pts.filter(function(p){return p.pareto;}).map(function(p){return {x:p[x],y:p.acc,label:p.label};}),
                backgroundColor:'rgba(230,90,20,0.95)',pointRadius:6,order:2},
               {label:'front in this plane',type:'line',data:front2d(pts,x),borderColor:'rgba(230,90,20,0.8)',
                borderWidth:2,pointRadius:0,stepped:'after',fill:false,order:3},
               {label:'best per device',data:pts.filter(function(p){return p.best.length;}).map(function(p){return {x:p[x],y:p.acc,label:p.label+'  [best for '+p.best.join(', ')+']'};}),
                backgroundColor:'rgba(20,160,60,1)',pointStyle:'star',pointRadius:11,borderColor:'rgba(20,160,60,1)',borderWidth:2,order:1}];
              if(base){ds.push({label:'baseline',data:[{x:base[x],y:base.acc,label:base.label}],backgroundColor:'#000',
                pointStyle:'triangle',pointRadius:9,order:0});}
              return new Chart(document.getElementById(id),{type:'scatter',data:{datasets:ds},options:{
                animation:false,responsive:true,maintainAspectRatio:false,
                scales:{x:{type:log?'logarithmic':'linear',title:{display:true,text:xTitle}},
                        y:{title:{display:true,text:'top-1 accuracy (%, '+split+')'}}},
                plugins:{title:{display:true,text:'accuracy vs '+xTitle},
                  tooltip:{callbacks:{label:function(c){var r=c.raw;return r.label+': '+r.y.toFixed(2)+'%, '+r.x;}}}}}});}
            data.forEach(function(d,i){
              charts.push(make('wire-'+i,d.points,d.baseline,'wire','wire bytes (log)',true,d.accuracyOf));
              charts.push(make('lat-'+i,d.points,d.baseline,'lat','latency here (ms, batch 1)',false,d.accuracyOf));});
            var rects=charts.map(function(c){var r=c.canvas.getBoundingClientRect();
              return [Math.round(r.left+window.scrollX),Math.round(r.top+window.scrollY),Math.round(r.width),Math.round(r.height)];});
            document.body.setAttribute('data-chart-rects',JSON.stringify(rects));
            document.body.setAttribute('data-charts-rendered',String(charts.length));
            })();
            """;
}
