package io.tinyfleet.runtime.profile;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import io.tinyfleet.runtime.model.TinyModels;
import io.tinyfleet.runtime.session.ModelRuntime;
import io.tinyfleet.runtime.session.RuntimeOptions;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryCapTest {

    private static final long MIB = 1L << 20;

    static OnnxModel dense4MiB() {
        return TinyModels.dense(1024);
    }

    private static RuntimeOptions capped(long ramMib, long reserveMib, LongSupplier rss) {
        return RuntimeOptions.defaults().withMemoryCap(new MemoryCap("test-board", ramMib * MIB, reserveMib * MIB, rss));
    }

    @Test
    void estimate_countsWeightsExactly_andTheLargestActivationStep() {
        ModelMemoryEstimate e = ModelMemoryEstimate.of(dense4MiB());
        assertEquals(4 * MIB, e.weightBytes());
        assertEquals(2 * 1024 * 4, e.activationBytes(), "MatMul step: x and y, 1024 floats each");
        assertTrue(e.activationsKnown());
        assertEquals(ModelMemoryEstimate.SESSION_OVERHEAD_BYTES + 3 * 4 * MIB + 2 * 8192, e.estimateBytes());
    }

    @Test
    void estimate_countsHalfPrecisionWeightsAsFloat_becauseOrtWidensThemAtLoad() {
        TensorProto half = Tensors.raw("h", DataType.FLOAT16, new long[] {10, 10}, new byte[200]);
        assertEquals(400, ModelMemoryEstimate.tensorBytes(half));
        TensorProto int8 = Tensors.raw("q", DataType.INT8, new long[] {10, 10}, new byte[100]);
        assertEquals(100, ModelMemoryEstimate.tensorBytes(int8));
    }

    @Test
    void open_refusesBeforeLoading_onATinyProfile_whileABigProfileLoadsTheSameModel() {
        OnnxModel m = dense4MiB();
        // 100 MiB already resident + about 20 MiB for the model > 128 - 16 = 112 MiB
        MemoryCapExceededException e = assertThrows(MemoryCapExceededException.class,
                () -> ModelRuntime.open(m, capped(128, 16, () -> 100 * MIB)));
        assertFalse(e.measured());
        assertEquals(112 * MIB, e.budgetBytes());
        assertTrue(e.getMessage().contains("refused before loading"), e.getMessage());
        assertTrue(e.getMessage().contains("measured RSS of 100 MiB"), e.getMessage());
        assertTrue(e.getMessage().contains("test-board's 128 MiB RAM minus a 16 MiB OS reserve = 112 MiB"), e.getMessage());

        try (ModelRuntime rt = ModelRuntime.open(m, capped(4096, 512, () -> 100 * MIB))) {
            assertEquals(1, rt.inputs().size());
        }
    }

    @Test
    void open_refusesAfterLoading_whenTheMeasuredRssExceedsTheBudget() {
        AtomicInteger reads = new AtomicInteger();
        // before loading 50 MiB (+ estimate fits in 112 MiB); after loading the measurement says 200 MiB
        LongSupplier rss = () -> reads.getAndIncrement() == 0 ? 50 * MIB : 200 * MIB;
        MemoryCapExceededException e = assertThrows(MemoryCapExceededException.class,
                () -> ModelRuntime.open(dense4MiB(), capped(128, 16, rss)));
        assertTrue(e.measured());
        assertEquals(200 * MIB, e.bytes());
        assertTrue(e.getMessage().contains("refused after loading: measured RSS 200 MiB (loading grew it by 150 MiB)"),
                e.getMessage());
    }

    @Test
    void open_withRealRss_refusesOnAProfileSmallerThanThisProcess() {
        long rss = io.tinyfleet.runtime.bench.Rss.current().orElse(-1);
        org.junit.jupiter.api.Assumptions.assumeTrue(rss > 0, "RSS readable (Linux)");
        OnnxModel m = dense4MiB();
        // a board whose whole RAM is what this process already holds cannot take the model
        long ram = rss / MIB;
        RuntimeOptions tiny = RuntimeOptions.defaults().withMemoryCap(new MemoryCap("tiny-board", ram * MIB, 0,
                () -> io.tinyfleet.runtime.bench.Rss.current().orElse(-1)));
        assertThrows(MemoryCapExceededException.class, () -> ModelRuntime.open(m, tiny));
        RuntimeOptions big = RuntimeOptions.defaults().withMemoryCap(new MemoryCap("big-board", (ram + 1024) * MIB, 0,
                () -> io.tinyfleet.runtime.bench.Rss.current().orElse(-1)));
        try (ModelRuntime rt = ModelRuntime.open(m, big)) {
            assertEquals("big-board", rt.options().memoryCap().device());
        }
    }

    @Test
    void violation_onlyWhenTheMeasuredRssExceedsTheBudget() {
        MemoryCap cap = new MemoryCap("pi", 512 * MIB, 64 * MIB, () -> -1);
        assertTrue(cap.violation(448 * MIB).isEmpty());
        assertTrue(cap.violation(-1).isEmpty(), "unknown RSS is no violation, and no made-up one");
        assertEquals("emulation violation: measured RSS 449 MiB exceeds pi's 512 MiB RAM minus a 64 MiB OS reserve = 448 MiB",
                cap.violation(449 * MIB).orElseThrow());
    }

    @Test
    void defaultReserve_isAnEighthOfRam_between64And512MiB() {
        assertEquals(512 * MIB, MemoryCap.defaultReserveBytes(4096 * MIB));
        assertEquals(512 * MIB, MemoryCap.defaultReserveBytes(8192 * MIB));
        assertEquals(64 * MIB, MemoryCap.defaultReserveBytes(512 * MIB));
        assertEquals(128 * MIB, MemoryCap.defaultReserveBytes(1024 * MIB));
    }

    @Test
    void constructor_namesTheBadReserve() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MemoryCap("pi", 512 * MIB, 512 * MIB, () -> -1));
        assertTrue(e.getMessage().contains("OS reserve must be in [0, 512 MiB)"), e.getMessage());
    }
}
