package io.tinyfleet.compression.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.compression.search.Candidate;
import io.tinyfleet.compression.search.FakeSearches;
import io.tinyfleet.compression.search.SearchResult;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class StudyAnalysisTest {

    @Test
    void winners_pickTheSmallestWireWithinEachFloor() {
        SearchResult r = FakeSearches.exhaustive(3);
        StudyAnalysis.Winner w = StudyAnalysis.winners(r).get(1);
        assertEquals("smallest on the wire within 1.0 point", w.constraint());
        long expected = r.candidates().stream().filter(Candidate::ok)
                .filter(c -> c.accuracy() >= r.baseline().accuracy() - 0.01)
                .min(Comparator.comparingLong(Candidate::wireBytes)).orElseThrow().wireBytes();
        assertEquals(expected, w.value().longValue());
        assertNotNull(w.order());
    }

    @Test
    void weakerFirst_ordersTechniquesByTheAccuracyTheyCostAlone() {
        // fake costs: b (0.001/unit) < a (0.002/unit) < c (0.01/unit)
        assertEquals(List.of("b", "a", "c"), StudyAnalysis.weakerFirst(FakeSearches.exhaustive(1)));
    }

    @Test
    void weakerFirst_becomesTheNearestOrderTheSearchCanRun() {
        // nothing that rewrites float weights can follow cluster or quantize: of the runnable orders
        // (prune/lowrank either way, then cluster, then quantize) the one with fewest swapped pairs
        assertEquals(List.of("prune", "lowrank", "cluster", "quantize"),
                StudyAnalysis.closestRunnable(List.of("quantize", "cluster", "prune", "lowrank")));
        assertEquals(List.of("lowrank", "prune", "quantize"),
                StudyAnalysis.closestRunnable(List.of("lowrank", "quantize", "prune")));
        List<String> runnable = List.of("prune", "cluster", "quantize");
        assertEquals(runnable, StudyAnalysis.closestRunnable(runnable));
    }

    @Test
    void published_saysSo_whenNoOrderOfThatLengthStaysWithinOnePoint() {
        // every 3-step pipeline contains c, which alone costs 1 point: none stays within 1 point
        List<StudyAnalysis.Published> p = StudyAnalysis.published(FakeSearches.exhaustive(3));
        StudyAnalysis.Published weaker = p.stream().filter(x -> x.source().startsWith("weaker")).findFirst().orElseThrow();
        assertEquals("b > a > c", weaker.order());
        assertEquals(0, weaker.of());
        assertEquals(null, weaker.rank());
        String html = StudyAnalysis.html(FakeSearches.exhaustive(3));
        assertTrue(html.contains("Published orders") && html.contains("none within 1 pt"), html);
    }
}
