package io.tinyfleet.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class OpProfileTest {

    static String ev(String cat, String name, String op, long ts, long dur) {
        return "{\"cat\":\"" + cat + "\",\"name\":\"" + name + "\",\"ts\":" + ts + ",\"dur\":" + dur
                + ",\"args\":{\"op_name\":\"" + op + "\"}}";
    }

    @Test
    void aggregate_sumsPerOpAndNode_afterTheWarmUpRuns() throws Exception {
        String json = "[" + String.join(",",
                ev("Session", "model_run", "", 0, 100),
                ev("Node", "conv1_kernel_time", "Conv", 10, 90), // warm-up: skipped
                ev("Session", "model_run", "", 200, 100),
                ev("Node", "conv1_kernel_time", "Conv", 210, 60),
                ev("Node", "conv1_fence_before", "Conv", 209, 1),
                ev("Node", "relu_kernel_time", "Relu", 280, 20),
                ev("Session", "model_run", "", 400, 100),
                ev("Node", "conv1_kernel_time", "Conv", 410, 40),
                ev("Node", "relu_kernel_time", "Relu", 460, 20)) + "]";
        OpProfile p = OpProfile.aggregate(new ObjectMapper().readTree(json), 1, 2);
        assertEquals(0.14, p.totalMs(), 1e-9);
        assertEquals("Conv", p.byOp().get(0).name());
        assertEquals(100.0 / 140, p.byOp().get(0).share(), 1e-9);
        assertEquals(0.05, p.byOp().get(0).perRunMs(), 1e-9);
        assertEquals(2, p.byNode().get(1).calls());
        assertEquals("Relu", p.byNode().get(1).opType());
    }
}
