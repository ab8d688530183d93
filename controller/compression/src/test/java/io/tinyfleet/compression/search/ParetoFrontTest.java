package io.tinyfleet.compression.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParetoFrontTest {

    record P(String name, double acc, double bytes) {
    }

    static final List<Objective<P>> OBJ = List.of(Objective.max("acc", P::acc), Objective.min("bytes", P::bytes));

    @Test
    void of_keepsExactlyTheNonDominatedPoints_onAHandMadeSet() {
        List<P> pts = List.of(new P("a", 0.90, 100), new P("b", 0.85, 50), new P("c", 0.80, 60),
                new P("d", 0.90, 120), new P("e", 0.70, 10), new P("f", 0.85, 50));
        // c is dominated by b; d by a; b and f are equal, so neither dominates the other
        assertEquals(List.of("a", "b", "e", "f"), ParetoFront.of(pts, OBJ).stream().map(P::name).toList());
    }

    @Test
    void of_leavesOutPointsWithAnUnmeasuredFigure() {
        List<P> pts = List.of(new P("a", Double.NaN, 1), new P("b", 0.5, 10));
        assertEquals(List.of("b"), ParetoFront.of(pts, OBJ).stream().map(P::name).toList());
    }

    @Test
    void ranks_peelFrontsInLayers() {
        List<P> pts = List.of(new P("a", 0.9, 10), new P("b", 0.8, 20), new P("c", 0.7, 30), new P("d", 0.95, 40));
        assertArrayEquals(new int[]{0, 1, 2, 0}, ParetoFront.ranks(pts, OBJ));
    }

    @Test
    void of_agreesWithBruteForceDominance_onRandomPoints() {
        Random r = new Random(7);
        List<P> pts = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            pts.add(new P("p" + i, Math.round(r.nextDouble() * 20) / 20.0, r.nextInt(50)));
        }
        List<P> front = ParetoFront.of(pts, OBJ);
        for (P p : pts) {
            boolean dominated = pts.stream().anyMatch(q -> q.acc() >= p.acc() && q.bytes() <= p.bytes()
                    && (q.acc() > p.acc() || q.bytes() < p.bytes()));
            assertEquals(!dominated, front.contains(p), p.toString());
        }
        assertFalse(front.isEmpty());
        assertTrue(ParetoFront.dominates(new P("x", 1, 1), new P("y", 0.5, 2), OBJ));
    }
}
