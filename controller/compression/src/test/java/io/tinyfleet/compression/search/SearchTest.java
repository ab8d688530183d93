package io.tinyfleet.compression.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search machinery on a fake technique runner: each step multiplies figures kept in the model's
 * metadata, so every candidate's figures are known exactly.
 */
class SearchTest {

    static OnnxModel tiny() {
        return new GraphBuilder("id", 17).input("x", TensorProto.DataType.FLOAT, "N", 4)
                .node("Identity", List.of("x"), List.of("y")).output("y", TensorProto.DataType.FLOAT, "N", 4).build()
                .withMetadata("acc", "0.9").withMetadata("bytes", "1000000").withMetadata("ms", "1.0")
                .withMetadata("trail", "");
    }

    /** a shrinks bytes, b speeds up, c costs accuracy; x/y/z is the strength. */
    static final StepRunner FAKE = (parent, parentId, step) -> {
        double k = Double.parseDouble(step.config().substring(step.config().indexOf('=') + 1));
        Map<String, String> md = parent.metadata();
        double acc = Double.parseDouble(md.get("acc"));
        double bytes = Double.parseDouble(md.get("bytes"));
        double ms = Double.parseDouble(md.get("ms"));
        switch (step.technique()) {
            case "a" -> { bytes /= 4 * k; acc -= 0.002 * k; }
            case "b" -> { ms /= 2 * k; acc -= 0.001 * k; }
            case "c" -> { bytes /= 2; acc -= 0.01 * k; }
            default -> throw new IllegalArgumentException("unknown technique " + step.technique());
        }
        if (step.text().equals("c:z=3")) {
            throw new IllegalStateException("z=3 is not supported\nsecond line");
        }
        OnnxModel out = parent.withMetadata("acc", Double.toString(acc)).withMetadata("bytes", Double.toString(bytes))
                .withMetadata("ms", Double.toString(ms)).withMetadata("trail", md.get("trail") + "/" + step.text());
        return new StepRunner.Output(out, CandidateTree.sha256(parentId + step.text()), Map.of("technique", step.technique()));
    };

    static final CandidateEvaluator EVAL = m -> new Measurement(Double.parseDouble(m.metadata().get("acc")), null,
            (long) Double.parseDouble(m.metadata().get("bytes")), (long) Double.parseDouble(m.metadata().get("bytes")) / 2,
            1000L, Double.parseDouble(m.metadata().get("ms")), 10L);

    static SearchSpace space(int depth) {
        return SearchSpace.of(List.of("a", "b", "c"), List.of(Step.parse("a:x=1"), Step.parse("a:x=2"),
                Step.parse("b:y=1"), Step.parse("b:y=2"), Step.parse("c:z=1"), Step.parse("c:z=3")), Map.of(), depth);
    }

    static Search.Config config(SearchSpace s, SearchStrategy strategy, Limits limits, Duration budget, Path cache) {
        return new Search.Config("tiny", "fake", s, strategy, List.of(DeviceConstraintsTest.BOARD), limits,
                new ProfileEstimator(1, 2000, "test"), budget, cache, "wire");
    }

    @Test
    void exhaustive_measuresEveryPipelineOnce_andRunsSharedPrefixesOnce() {
        SearchSpace s = space(3);
        SearchResult r = Search.run(tiny(), config(s, new ExhaustiveSearch(), Limits.DEFAULT, Duration.ZERO, null),
                FAKE, EVAL);
        // 78 pipelines; nothing grows from the failing c:z=3: 6 + 5*4 + 16*2 = 58 nodes
        assertEquals(78, s.pipelines().size());
        assertEquals(58, r.candidates().size());
        assertEquals(r.cache().stepRuns(), r.candidates().size());
        assertTrue(r.cache().stepHits() > 0, "prefixes come from the cache");
        assertEquals(r.cache().stepRequests(), r.cache().stepRuns() + r.cache().stepHits());
        assertEquals(1 + 4 + 8, r.cache().stepFailures());  // c:z=3 after nothing, after one, after two steps
        assertFalse(r.budgetExhausted());
    }

    @Test
    void candidates_keepTheStepsInTheOrderGiven() {
        SearchResult r = Search.run(tiny(), config(space(3), new ExhaustiveSearch(), Limits.DEFAULT, Duration.ZERO,
                null), FAKE, EVAL);
        Candidate c = r.candidates().stream().filter(x -> x.pipeline().equals("b:y=2 > a:x=1 > c:z=1")).findFirst()
                .orElseThrow();
        assertEquals(List.of("b", "a", "c"), c.order());
        assertEquals(List.of("b:y=2", "a:x=1", "c:z=1"), c.steps().stream().map(m -> m.get("step")).toList());
        Candidate other = r.candidates().stream().filter(x -> x.pipeline().equals("c:z=1 > a:x=1 > b:y=2"))
                .findFirst().orElseThrow();
        assertEquals(List.of("c", "a", "b"), other.order());
    }

    @Test
    void failedStep_isRecordedWithItsFirstLine_andNeverChosen() {
        SearchResult r = Search.run(tiny(), config(space(2), new ExhaustiveSearch(), Limits.DEFAULT, Duration.ZERO,
                null), FAKE, EVAL);
        Candidate bad = r.candidates().stream().filter(x -> x.pipeline().equals("c:z=3")).findFirst().orElseThrow();
        assertEquals("step 'c:z=3' failed: z=3 is not supported", bad.error());
        assertFalse(bad.paretoOptimal());
        assertTrue(r.best().get("tiny-board").pipeline() != null);
    }

    @Test
    void paretoFlags_matchTheFrontOfTheMeasuredCandidates() {
        SearchResult r = Search.run(tiny(), config(space(3), new ExhaustiveSearch(), Limits.DEFAULT, Duration.ZERO,
                null), FAKE, EVAL);
        List<Candidate> ok = r.candidates().stream().filter(Candidate::ok).toList();
        List<Candidate> front = ParetoFront.of(ok, Search.candidateObjectives());
        assertEquals(front.size(), r.candidates().stream().filter(Candidate::paretoOptimal).count());
        assertTrue(front.stream().allMatch(Candidate::paretoOptimal));
    }

    @Test
    void best_isTheSmallestFeasibleOnTheWire_withinTheAccuracyFloor() {
        SearchResult r = Search.run(tiny(), config(space(3), new ExhaustiveSearch(),
                new Limits(0.5, 0.5, null, null, 1.0), Duration.ZERO, null), FAKE, EVAL);
        SearchResult.Best b = r.best().get("tiny-board");
        Candidate chosen = r.candidates().stream().filter(c -> c.pipeline().equals(b.pipeline())).findFirst().orElseThrow();
        assertTrue(chosen.accuracy() >= 0.89 - 1e-9);
        for (Candidate c : r.candidates()) {
            if (c.ok() && c.profiles().get("tiny-board").feasible()) {
                assertTrue(c.wireBytes() >= chosen.wireBytes(), c.pipeline());
            }
        }
    }

    /** EVAL's figures on the selection images, and reported figures that would turn every choice round. */
    static final CandidateEvaluator EVAL_WITH_VALIDATION = m -> {
        Measurement x = EVAL.evaluate(m);
        return new Measurement(1 - x.accuracy(), x.accuracy(), x.fileBytes(), x.wireBytes(), x.peakMemoryBytes(),
                x.latencyMs(), x.params());
    };

    private static List<String> front(SearchResult r) {
        return r.candidates().stream().filter(Candidate::paretoOptimal).map(Candidate::pipeline).toList();
    }

    @Test
    void choices_readTheSelectionImages_andTheReportImagesOnlyReport() {
        Limits floor = new Limits(0.5, 0.5, null, null, 1.0);
        SearchResult onTest = Search.run(tiny(), config(space(3), new ExhaustiveSearch(), floor, Duration.ZERO, null),
                FAKE, EVAL);
        SearchResult withVal = Search.run(tiny(), config(space(3), new ExhaustiveSearch(), floor, Duration.ZERO, null),
                FAKE, EVAL_WITH_VALIDATION);
        String best = withVal.best().get("tiny-board").pipeline();
        assertEquals(onTest.best().get("tiny-board").pipeline(), best, "the floor and the pick read the selection figure");
        long smallest = withVal.candidates().stream().filter(Candidate::ok).mapToLong(Candidate::wireBytes).min()
                .orElseThrow();
        Candidate chosen = withVal.candidates().stream().filter(c -> c.pipeline().equals(best)).findFirst().orElseThrow();
        assertTrue(chosen.wireBytes() > smallest, "on the reported figures (all above the floor) a smaller one would win");
        assertEquals(1 - chosen.selectionAccuracy(), chosen.accuracy(), 1e-12, "the other figure is reported");
        assertEquals(front(onTest), front(withVal), "the front ranks the selection figure");
        assertTrue(withVal.candidates().stream().flatMap(c -> c.profiles().get("tiny-board").violations().stream())
                .anyMatch(v -> v.startsWith("selection accuracy")), "a refusal names the figure it read");
    }

    @Test
    void best_namesTheConstraintNoCandidateMeets() {
        // latency budget far below anything: 1 ms local -> device ratio 1 (2000 MHz x 1 / (2 x 1000)) / 2^2 at best
        SearchResult r = Search.run(tiny(), config(space(2), new ExhaustiveSearch(),
                new Limits(0.5, 0.5, 0.001, null, 1.0), Duration.ZERO, null), FAKE, EVAL);
        SearchResult.Best b = r.best().get("tiny-board");
        assertNull(b.pipeline());
        assertEquals(List.of("latency"), b.unmet());
        assertEquals("no candidate meets the latency constraint", b.reason());
    }

    @Test
    void beam_expandsOnlyTheKeptPipelines_butAllSingleSteps() {
        SearchResult r = Search.run(tiny(), config(space(3), new ParetoBeamSearch(2), Limits.DEFAULT, Duration.ZERO,
                null), FAKE, EVAL);
        assertEquals(6, r.candidates().stream().filter(c -> c.order().size() == 1).count());
        assertTrue(r.candidates().stream().filter(c -> c.order().size() == 2).count() <= 2 * 4);
        assertTrue(r.candidates().size() < 40);
    }

    @Test
    void budget_stopsTheSearch_andSaysSo() {
        StepRunner slow = (p, id, s) -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return FAKE.apply(p, id, s);
        };
        SearchResult r = Search.run(tiny(), config(space(3), new ExhaustiveSearch(), Limits.DEFAULT,
                Duration.ofMillis(200), null), slow, EVAL);
        assertTrue(r.budgetExhausted());
        assertTrue(r.candidates().size() < 20);
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("budget ran out")));
    }

    @Test
    void cacheFolder_servesEveryStepOfASecondRunFromDisk(@TempDir Path dir) {
        List<String> ran = new ArrayList<>();
        StepRunner counting = (p, id, s) -> {
            ran.add(s.text());
            return FAKE.apply(p, id, s);
        };
        SearchSpace s = space(2);
        SearchResult first = Search.run(tiny(), config(s, new ExhaustiveSearch(), Limits.DEFAULT, Duration.ZERO, dir),
                counting, EVAL);
        int runs = ran.size();
        SearchResult second = Search.run(tiny(), config(s, new ExhaustiveSearch(), Limits.DEFAULT, Duration.ZERO, dir),
                counting, EVAL);
        assertEquals(runs + first.cache().stepFailures(), ran.size(), "only the failing steps run again");
        assertEquals(first.cache().stepRuns() - first.cache().stepFailures(), second.cache().diskHits());
        assertEquals(first.candidates().stream().map(Candidate::modelId).toList(),
                second.candidates().stream().map(Candidate::modelId).toList());
    }
}
