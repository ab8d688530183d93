package io.tinyfleet.runtime.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the time goes: ONNX Runtime's profiler trace (Chrome trace-event JSON, one {@code Node} event
 * named {@code <node>_kernel_time} per kernel call, duration in microseconds) summed per op type and
 * per node.
 *
 * @param runs    model runs the trace covers
 * @param totalMs kernel time summed over all nodes and runs
 * @param byOp    per op type, largest share first
 * @param byNode  per node, largest share first
 */
public record OpProfile(int runs, double totalMs, List<Entry> byOp, List<Entry> byNode) {

    /**
     * One op type or node.
     *
     * @param name    op type, or node name
     * @param opType  the op type (equals name for per-op entries)
     * @param calls   kernel calls in the trace
     * @param totalMs summed kernel time
     * @param perRunMs totalMs / runs
     * @param share   fraction of all kernel time, in [0, 1]
     */
    public record Entry(String name, String opType, long calls, double totalMs, double perRunMs, double share) {
    }

    private static final String SUFFIX = "_kernel_time";

    /**
     * Reads and aggregates a trace file written by {@code endProfiling()}, skipping the kernels of the
     * first {@code skipRuns} runs (warm-up) and counting the {@code runs} after them.
     */
    public static OpProfile parse(Path trace, int skipRuns, int runs) {
        try {
            return aggregate(new ObjectMapper().readTree(trace.toFile()), skipRuns, runs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX Runtime profile " + trace + ": " + e.getMessage(), e);
        }
    }

    /**
     * Aggregates trace events (a JSON array, or an object with {@code traceEvents}); kernels that start
     * before the end of the {@code skipRuns}-th {@code model_run} event are left out.
     */
    public static OpProfile aggregate(JsonNode root, int skipRuns, int runs) {
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        List<double[]> modelRuns = new ArrayList<>();
        for (JsonNode e : events) {
            if ("model_run".equals(e.path("name").asText()) && "Session".equals(e.path("cat").asText())) {
                modelRuns.add(new double[] {e.path("ts").asDouble(), e.path("dur").asDouble()});
            }
        }
        modelRuns.sort(Comparator.comparingDouble(r -> r[0]));
        double after = skipRuns > 0 && skipRuns <= modelRuns.size()
                ? modelRuns.get(skipRuns - 1)[0] + modelRuns.get(skipRuns - 1)[1] : Double.NEGATIVE_INFINITY;
        Map<String, double[]> op = new LinkedHashMap<>();
        Map<String, double[]> node = new LinkedHashMap<>();
        Map<String, String> nodeOp = new LinkedHashMap<>();
        double total = 0;
        for (JsonNode e : events) {
            String name = e.path("name").asText("");
            if (!"Node".equals(e.path("cat").asText()) || !name.endsWith(SUFFIX) || e.path("ts").asDouble() < after) {
                continue;
            }
            String nodeName = name.substring(0, name.length() - SUFFIX.length());
            String opType = e.path("args").path("op_name").asText("?");
            double us = e.path("dur").asDouble(0);
            total += us;
            add(op, opType, us);
            add(node, nodeName, us);
            nodeOp.putIfAbsent(nodeName, opType);
        }
        int r = Math.max(runs, 1);
        double t = total;
        List<Entry> byOp = new ArrayList<>();
        op.forEach((k, v) -> byOp.add(new Entry(k, k, (long) v[1], v[0] / 1000, v[0] / 1000 / r, t > 0 ? v[0] / t : 0)));
        List<Entry> byNode = new ArrayList<>();
        node.forEach((k, v) -> byNode.add(new Entry(k, nodeOp.get(k), (long) v[1], v[0] / 1000, v[0] / 1000 / r,
                t > 0 ? v[0] / t : 0)));
        Comparator<Entry> bigFirst = Comparator.comparingDouble(Entry::totalMs).reversed();
        byOp.sort(bigFirst);
        byNode.sort(bigFirst);
        return new OpProfile(runs, total / 1000, List.copyOf(byOp), List.copyOf(byNode));
    }

    private static void add(Map<String, double[]> m, String key, double us) {
        double[] v = m.computeIfAbsent(key, k -> new double[2]);
        v[0] += us;
        v[1] += 1;
    }
}
