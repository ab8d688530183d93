package io.tinyfleet.server.telemetry;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SequenceTrackerTest {

    @Test
    void accept_countsTheGap_whenSequenceNumbersJump() {
        SequenceTracker t = new SequenceTracker();
        assertEquals(SequenceTracker.Verdict.NEXT, t.accept(1, 0));
        assertEquals(SequenceTracker.Verdict.NEXT, t.accept(1, 1));
        assertEquals(SequenceTracker.Verdict.AFTER_GAP, t.accept(1, 5));
        assertEquals(3, t.lastGap());
        assertEquals(3, t.lost());
        assertEquals(3, t.received());
        assertEquals(0.5, t.lossRatio(), 1e-9);
    }

    @Test
    void accept_dropsDuplicatesAndOlderSamples_withoutCountingLoss() {
        SequenceTracker t = new SequenceTracker();
        t.accept(1, 0);
        t.accept(1, 1);
        assertEquals(SequenceTracker.Verdict.DUPLICATE, t.accept(1, 1));
        assertEquals(SequenceTracker.Verdict.DUPLICATE, t.accept(1, 0));
        assertEquals(0, t.lost());
        assertEquals(2, t.duplicates());
    }

    @Test
    void accept_startsAfresh_whenTheAgentRestartsWithANewStream() {
        SequenceTracker t = new SequenceTracker();
        t.accept(1, 0);
        t.accept(1, 7);
        assertEquals(6, t.lost());
        assertEquals(SequenceTracker.Verdict.NEXT, t.accept(2, 0), "a new process starts at 0 again");
        assertEquals(SequenceTracker.Verdict.AFTER_GAP, t.accept(3, 2), "first two samples of stream 3 never arrived");
        assertEquals(8, t.lost());
    }

    @Test
    void restore_continuesFromStoredCounters() {
        SequenceTracker t = SequenceTracker.restore(9, 10, 11, 1, 0);
        assertEquals(SequenceTracker.Verdict.AFTER_GAP, t.accept(9, 12));
        assertEquals(2, t.lost());
        assertEquals(12, t.received());
    }
}
