package io.tinyfleet.compression.report;

import io.tinyfleet.compression.search.Candidate;
import io.tinyfleet.compression.search.SearchResult;
import io.tinyfleet.compression.search.SearchSpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * What the seed experiment concludes from one search: which technique order wins under each
 * constraint, and how the orders published in the literature rank among all orders tried.
 *
 * <p>Published orders compared: prune &gt; share (cluster) &gt; entropy-code of Deep Compression
 * (Han, Mao and Dally, ICLR 2016; entropy coding is the zstd of the wire size here, and quantize
 * follows the shared weights), distill &gt; prune &gt; quantize (Shen et al. 2024), and "weaker
 * perturbations first", derived here from the accuracy each technique alone costs.
 */
public final class StudyAnalysis {

    /** Published orders by name, over technique names. */
    public static final Map<String, List<String>> PUBLISHED = Map.of(
            "Deep Compression (Han et al. 2016): prune > share > entropy-code", List.of("prune", "cluster", "quantize"),
            "Shen et al. 2024: distill > prune > quantize", List.of("distill", "prune", "quantize"));

    private StudyAnalysis() {
    }

    /**
     * One constraint and its winner.
     *
     * @param constraint what was asked, e.g. "smallest wire within 1 point"
     * @param order      technique order of the winner, or null
     * @param pipeline   the winning pipeline, or null
     * @param value      the figure minimised
     */
    public record Winner(String constraint, String order, String pipeline, Double value) {
    }

    /**
     * A published order against all orders of its length.
     *
     * @param source      who published it
     * @param order       the order restricted to the techniques studied
     * @param wireBytes   its smallest wire size within 1 point (null if none)
     * @param rank        1-based rank among the orders of the same length (null if none)
     * @param of          number of such orders with a candidate within 1 point
     * @param bestOrder   the winning order of that length
     * @param bestWire    the winner's wire size
     */
    public record Published(String source, String order, Long wireBytes, Integer rank, int of, String bestOrder,
                            Long bestWire) {
    }

    /** Winners under each constraint: smallest wire within 0.5/1/2 points, fastest within 1, per device. */
    public static List<Winner> winners(SearchResult r) {
        List<Winner> out = new ArrayList<>();
        for (double pts : new double[]{0.5, 1.0, 2.0}) {
            out.add(win(r, String.format(Locale.ROOT, "smallest on the wire within %.1f point%s", pts, pts == 1 ? "" : "s"),
                    pts, c -> c.wireBytes()));
        }
        out.add(win(r, "lowest latency within 1.0 point", 1.0, Candidate::latencyMs));
        r.best().values().forEach(b -> {
            Optional<Candidate> c = r.candidates().stream().filter(x -> x.pipeline().equals(b.pipeline())).findFirst();
            out.add(new Winner("best feasible on " + b.profile() + " (" + b.prefer() + ")",
                    c.map(Candidate::orderText).orElse(null), b.pipeline(), c.map(x -> (double) x.wireBytes()).orElse(null)));
        });
        return out;
    }

    private static Winner win(SearchResult r, String name, double points, ToDoubleFunction<Candidate> f) {
        double floor = r.baseline().decidingAccuracy() - points / 100;
        Optional<Candidate> c = r.candidates().stream().filter(Candidate::ok).filter(x -> x.decidingAccuracy() >= floor)
                .min(Comparator.comparingDouble(f));
        return new Winner(name, c.map(Candidate::orderText).orElse(null), c.map(Candidate::pipeline).orElse(null),
                c.map(f::applyAsDouble).orElse(null));
    }

    /**
     * "Weaker perturbations first": techniques by the accuracy their best single step costs, least
     * first, as near that as the search can run (see {@link #closestRunnable}).
     */
    public static List<String> weakerFirst(SearchResult r) {
        Map<String, Double> drop = new LinkedHashMap<>();
        r.candidates().stream().filter(Candidate::ok).filter(c -> c.order().size() == 1)
                .forEach(c -> drop.merge(c.order().get(0), r.baseline().decidingAccuracy() - c.decidingAccuracy(),
                        Math::min));
        return closestRunnable(drop.entrySet().stream().sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .toList());
    }

    /**
     * {@code wanted} itself when it can run, else the runnable order of the same techniques with the
     * fewest pairs swapped against it (quantize is often the weakest step, yet nothing that rewrites
     * float weights can follow it; see {@link SearchSpace#orderBlocker}); {@code wanted} when no
     * order of them can run.
     */
    public static List<String> closestRunnable(List<String> wanted) {
        if (SearchSpace.orderBlocker(wanted) == null) {
            return wanted;
        }
        List<String> best = wanted;
        int fewest = Integer.MAX_VALUE;
        for (List<String> p : SearchSpace.runnableOrdersOfAll(wanted)) {
            int swapped = 0;
            for (int i = 0; i < p.size(); i++) {
                for (int j = i + 1; j < p.size(); j++) {
                    swapped += wanted.indexOf(p.get(i)) > wanted.indexOf(p.get(j)) ? 1 : 0;
                }
            }
            if (swapped < fewest) {
                best = p;
                fewest = swapped;
            }
        }
        return best;
    }

    /** Each published order (restricted to the techniques searched) ranked by smallest wire within 1 point. */
    public static List<Published> published(SearchResult r) {
        Map<String, List<String>> orders = new LinkedHashMap<>(PUBLISHED);
        orders.put("weaker perturbations first (measured here; nearest runnable order)", weakerFirst(r));
        double floor = r.baseline().decidingAccuracy() - 0.01;
        Map<String, Long> bestByOrder = r.candidates().stream().filter(Candidate::ok)
                .filter(c -> c.decidingAccuracy() >= floor)
                .collect(Collectors.toMap(Candidate::orderText, Candidate::wireBytes, Math::min, LinkedHashMap::new));
        List<Published> out = new ArrayList<>();
        List<String> searched = new ArrayList<>(r.techniques().keySet());
        orders.forEach((source, order) -> {
            List<String> o = order.stream().filter(searched::contains).toList();
            if (o.size() < 2) {
                return;
            }
            String text = String.join(" > ", o);
            List<Map.Entry<String, Long>> same = bestByOrder.entrySet().stream()
                    .filter(e -> e.getKey().split(" > ").length == o.size())
                    .sorted(Map.Entry.comparingByValue()).toList();
            Long wire = bestByOrder.get(text);
            Integer rank = null;
            for (int i = 0; i < same.size(); i++) {
                if (same.get(i).getKey().equals(text)) {
                    rank = i + 1;
                }
            }
            out.add(new Published(source, text, wire, rank, same.size(), same.isEmpty() ? null : same.get(0).getKey(),
                    same.isEmpty() ? null : same.get(0).getValue()));
        });
        return out;
    }

    /** The two tables as HTML, for {@link HtmlReport.Section#extraHtml()}. */
    public static String html(SearchResult r) {
        StringBuilder sb = new StringBuilder("<h3>Best order per constraint</h3>\n<table><tr><th>constraint<th>winning"
                + " order<th>pipeline<th>figure</tr>\n");
        for (Winner w : winners(r)) {
            sb.append("<tr><td>").append(HtmlReport.esc(w.constraint())).append("<td>")
                    .append(w.order() == null ? "<span class=bad>none</span>" : "<b>" + HtmlReport.esc(w.order()) + "</b>")
                    .append("<td><code>").append(HtmlReport.esc(w.pipeline())).append("</code><td>")
                    .append(w.value() == null ? "" : String.format(Locale.ROOT, "%.4g", w.value())).append("</tr>\n");
        }
        sb.append("</table>\n<h3>Published orders</h3>\n<p>Smallest wire size within 1 point of the baseline for each"
                + " published order (restricted to the techniques studied), ranked among all orders of the same length."
                + "</p>\n<table><tr><th>source<th>order<th>wire bytes<th>rank<th>best order of that length<th>its wire"
                + " bytes</tr>\n");
        for (Published p : published(r)) {
            sb.append("<tr><td>").append(HtmlReport.esc(p.source())).append("<td>").append(HtmlReport.esc(p.order()))
                    .append("<td>").append(p.wireBytes() == null ? "none within 1 pt" : String.format(Locale.ROOT, "%,d",
                            p.wireBytes())).append("<td>").append(p.rank() == null ? "&ndash;" : p.rank() + " of " + p.of())
                    .append("<td>").append(HtmlReport.esc(p.bestOrder())).append("<td>")
                    .append(p.bestWire() == null ? "" : String.format(Locale.ROOT, "%,d", p.bestWire())).append("</tr>\n");
        }
        return sb.append("</table>\n").toString();
    }
}
