package io.tinyfleet.agent.telemetry;

import io.tinyfleet.proto.v1.HardwareSample;
import io.tinyfleet.proto.v1.TelemetryBatch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TelemetryPublisherTest {

    private static HardwareSample sample(long seq) {
        return HardwareSample.newBuilder().setSeq(seq).setTimestampMs(1000 + seq).setCpuLoad(0.5).build();
    }

    private static List<Long> seqs(List<TelemetryBatch> batches) {
        List<Long> out = new ArrayList<>();
        batches.forEach(b -> b.getSamplesList().forEach(s -> out.add(s.getSeq())));
        return out;
    }

    @Test
    void add_sendsOneBatchPerBatchSize_withSampleSequenceNumbersKept() {
        List<TelemetryBatch> got = new ArrayList<>();
        TelemetryPublisher p = new TelemetryPublisher("pi-1", 77, "raspberry-pi-4",
                TelemetryOptions.defaults().withBatchSize(3), bytes -> got.add(parse(bytes)), () -> 5L);
        for (long i = 0; i < 7; i++) {
            p.add(sample(i));
        }
        assertEquals(2, got.size());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), seqs(got));
        assertEquals(0, got.get(0).getBatchSeq());
        assertEquals(1, got.get(1).getBatchSeq());
        assertEquals(77, got.get(1).getStreamId());
        assertEquals("pi-1", got.get(0).getDeviceId());
        assertEquals(1, p.buffered());
    }

    @Test
    void flush_labelsBatchesEmulated_withTheEmulatedBoardsMemoryBudget() {
        List<TelemetryBatch> got = new ArrayList<>();
        Emulation pi = Emulation.resolve("raspberry-pi-4", EmulationTest.profiles());
        TelemetryPublisher p = new TelemetryPublisher("pi-1", 1, "", TelemetryOptions.defaults().withBatchSize(1)
                .withEmulation(pi), bytes -> got.add(parse(bytes)), () -> 5L);
        p.add(sample(0));
        assertEquals(1, got.size());
        assertTrue(got.get(0).getEmulated());
        assertEquals("raspberry-pi-4", got.get(0).getEmulatedProfile());
        assertEquals((4096 - 512) * (1L << 20), got.get(0).getMemoryBudgetBytes());
    }

    @Test
    void add_keepsSamplesWhileDisconnected_andDropsOldestBeyondTheBuffer() {
        List<TelemetryBatch> got = new ArrayList<>();
        AtomicBoolean up = new AtomicBoolean(false);
        TelemetryPublisher p = new TelemetryPublisher("pi-1", 1, "",
                new TelemetryOptions(java.time.Duration.ofSeconds(1), 2, 4, java.util.Optional.empty()),
                bytes -> up.get() && got.add(parse(bytes)), () -> 5L);
        for (long i = 0; i < 6; i++) {
            p.add(sample(i));
        }
        assertEquals(2, p.dropped());
        up.set(true);
        p.flush();
        assertEquals(List.of(2L, 3L, 4L, 5L), seqs(got), "oldest dropped: the controller sees seq 0-1 as lost");
        assertEquals(0, p.buffered());
    }

    @Test
    void flush_labelsBatchesEmulated_whenRunningAsAProfile() {
        List<TelemetryBatch> got = new ArrayList<>();
        Emulation e = Emulation.resolve("raspberry-pi-4", EmulationTest.profiles());
        TelemetryPublisher p = new TelemetryPublisher("dev", 1, "raspberry-pi-4",
                TelemetryOptions.defaults().withBatchSize(1).withEmulation(e), bytes -> got.add(parse(bytes)), () -> 5L);
        p.add(sample(0));
        assertTrue(got.get(0).getEmulated());
        assertEquals("raspberry-pi-4", got.get(0).getEmulatedProfile());
    }

    private static TelemetryBatch parse(byte[] b) {
        try {
            return TelemetryBatch.parseFrom(b);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
