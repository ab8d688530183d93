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
