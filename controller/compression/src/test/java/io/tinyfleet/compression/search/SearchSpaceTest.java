package io.tinyfleet.compression.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {

    static final Map<String, List<Step>> DEFAULTS = Map.of(
            "a", List.of(Step.parse("a:x=1"), Step.parse("a:x=2")),
            "b", List.of(Step.parse("b:y=1"), Step.parse("b:y=2")),
            "c", List.of(Step.parse("c:z=1"), Step.parse("c:z=2")),
            "d", List.of(Step.parse("d:w=1"), Step.parse("d:w=2")));

    @Test
    void pipelines_coverEveryOrderAndSetting_forFourTechniquesWithTwoSettingsEach() {
        SearchSpace s = SearchSpace.of(List.of("a", "b", "c", "d"), List.of(), DEFAULTS, 0);
        // orders: 4 + 12 + 24 + 24 = 64; pipelines: 4*2 + 12*4 + 24*8 + 24*16 = 632
        assertEquals(64, s.orders().size());
        assertEquals(632, s.pipelines().size());
        assertEquals(632, s.pipelines().stream().distinct().count());
        assertEquals(List.of("a"), s.orders().get(0));
    }

    @Test
    void pipelines_leaveOutWeightRewritesAfterClusterOrQuantize_andCountThem() {
        Map<String, List<Step>> real = Map.of(
                "prune", List.of(Step.parse("prune:sparsity=0.5"), Step.parse("prune:sparsity=0.9")),
                "cluster", List.of(Step.parse("cluster:k=8"), Step.parse("cluster:k=16")),
                "quantize", List.of(Step.parse("quantize:int8"), Step.parse("quantize:fp16")));
        SearchSpace s = SearchSpace.of(List.of("prune", "cluster", "quantize"), List.of(), real, 0);
        // allowed orders: 3 singles, prune>cluster, prune>quantize, cluster>quantize, prune>cluster>quantize
        assertEquals(List.of(List.of("prune"), List.of("cluster"), List.of("quantize"), List.of("prune", "cluster"),
                List.of("prune", "quantize"), List.of("cluster", "quantize"), List.of("prune", "cluster", "quantize")),
                s.orders());
        assertEquals(3 * 2 + 3 * 4 + 8, s.pipelines().size());
        Map<String, Long> excluded = s.excluded();
        // 78 pipelines in all orders: 3*2 + 6*4 + 6*8
        assertEquals(78 - s.pipelines().size(), excluded.values().stream().mapToLong(Long::longValue).sum());
        assertTrue(excluded.keySet().stream().anyMatch(k -> k.startsWith("prune after cluster")), excluded.toString());
        assertEquals(List.of(Step.parse("quantize:int8"), Step.parse("quantize:fp16")), s.next(List.of("cluster")));
        assertEquals(null, SearchSpace.blocker(List.of("prune", "lowrank"), "cluster"));
    }

    @Test
    void of_usesTriesInsteadOfDefaults_forTheTechniqueTheyName() {
        SearchSpace s = SearchSpace.of(List.of("a", "b"), List.of(Step.parse("b:y=9")), DEFAULTS, 2);
        assertEquals(List.of(Step.parse("b:y=9")), s.settings().get("b"));
        assertEquals(2, s.settings().get("a").size());
    }

    @Test
    void of_refusesATryForATechniqueNotSearched() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SearchSpace.of(List.of("a"), List.of(Step.parse("q:k=1")), DEFAULTS, 1));
        assertTrue(e.getMessage().contains("'q:k=1'"), e.getMessage());
    }

    @Test
    void step_parseAndText_roundTrip() {
        Step s = Step.parse(" prune:sparsity=0.8,finetune=1 ");
        assertEquals("prune", s.technique());
        assertEquals("prune:sparsity=0.8,finetune=1", s.text());
        assertEquals("quantize", Step.parse("quantize").text());
    }

    @Test
    void parseBudget_readsMinutesHoursAndSeconds() {
        assertEquals(Duration.ofMinutes(30), Deadline.parseBudget("30m"));
        assertEquals(Duration.ofMinutes(90), Deadline.parseBudget("1h30m"));
        assertEquals(Duration.ofSeconds(45), Deadline.parseBudget("45"));
        assertThrows(IllegalArgumentException.class, () -> Deadline.parseBudget("soon"));
    }
}
