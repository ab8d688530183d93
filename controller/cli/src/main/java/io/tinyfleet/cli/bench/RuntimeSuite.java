package io.tinyfleet.cli.bench;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.tinyfleet.runtime.bench.EvalOptions;
import io.tinyfleet.runtime.bench.EvalReport;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.data.DataSource;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.inspect.Inspection;
import io.tinyfleet.runtime.inspect.Inspector;
import io.tinyfleet.runtime.model.GraphBuilder;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.model.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code tinyfleet bench runtime}: the measuring harness itself on this machine. Evaluates
 * {@code mnist.onnx} (ONNX Model Zoo, fixed batch 1, raw pixels) and two Fashion-MNIST-shaped models
 * built here with seeded random weights (an MLP 784-300-100-10 and a LeNet-5-style CNN; untrained, so
 * their accuracy is chance and only the mechanics and timings matter): load time, latency percentiles
 * at batch 1 and 64, throughput, peak RSS; plus inspection time of the largest shared model.
 */
public final class RuntimeSuite implements BenchSuite {

    @Override
    public String name() {
        return "runtime";
    }

    @Override
    public String description() {
        return "eval harness: load time, latency p50/p95/p99 at batch 1 and 64, throughput, RSS (mnist.onnx, MLP, CNN)";
    }

    @Override
    public Map<String, Object> run(BenchOptions o) throws Exception {
        int runs = o.quick() ? 50 : 300;
        int limit = o.quick() ? 1000 : 0;
        DataSource ds = DataSource.open(o.data(), Split.TEST);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", ds.name());
        out.put("samplesAvailable", ds.images().count());
        out.put("latencyRuns", runs);
        out.put("threads", 1);

        Path mnist = sharedModels().resolve("mnist.onnx");
        if (Files.isRegularFile(mnist)) {
            EvalReport r = Evaluator.evaluate(OnnxModel.load(mnist), EvalOptions.on(ds.images(), ds.name())
                    .withPreprocessing(new Preprocessing(1f, 0f, 1f)).withLimit(limit).withRuns(20, runs));
            out.put("mnistOnnx", summary(r));
        } else {
            out.put("mnistOnnx", "skipped: " + mnist + " not found");
        }
        for (OnnxModel m : List.of(mlp(o.seed()), cnn(o.seed()))) {
            m.save(o.workDir().resolve(m.graph().getName() + ".onnx"));
            EvalReport r = Evaluator.evaluate(m, EvalOptions.on(ds.images(), ds.name()).withLimit(limit)
                    .withBatch(64).withRuns(20, runs));
            out.put(m.graph().getName(), summary(r));
        }
        Path ultra = sharedModels().resolve("ultraface_version-RFB-320.onnx");
        if (Files.isRegularFile(ultra)) {
            OnnxModel u = OnnxModel.load(ultra);
            long t0 = System.nanoTime();
            Inspection i = Inspector.inspect(u);
            Map<String, Object> ins = new LinkedHashMap<>();
            ins.put("inspectMs", (System.nanoTime() - t0) / 1e6);
            ins.put("macs", i.macs());
            ins.put("fileBytes", i.fileBytes());
            ins.put("wireBytes", i.wireBytes());
            out.put("inspectUltraface", ins);
        }
        return out;
    }

    private static Map<String, Object> summary(EvalReport r) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("samples", r.samples());
        s.put("accuracy", r.accuracy());
        s.put("batch", r.batch());
        s.put("latencyMs", r.latencyMs());
        s.put("latencyBatchMs", r.latencyBatchMs());
        s.put("throughputPerSec", r.throughputPerSec());
        s.put("loadMs", r.loadMs());
        s.put("firstRunMs", r.firstRunMs());
        s.put("rssBytes", r.rssBytes());
        s.put("rssGrowthOnLoadBytes", r.rssGrowthOnLoadBytes());
        s.put("modelBytes", r.modelBytes());
        s.put("notes", r.notes());
        return s;
    }

    static Path sharedModels() {
        String p = System.getProperty("tinyfleet.sharedModels");
        return p != null ? Path.of(p) : Path.of("../shared/models");
    }

    /** Untrained MLP 784-300-100-10 with He-initialised seeded weights, symbolic batch. */
    static OnnxModel mlp(long seed) {
        Random r = new Random(seed);
        GraphBuilder g = new GraphBuilder("mlp-784-300-100-10", 17).input("x", DataType.FLOAT, "N", 784);
        int[] sizes = {784, 300, 100, 10};
        String prev = "x";
        for (int l = 0; l < 3; l++) {
            g.initializer(Tensors.floats("w" + l, new long[] {sizes[l], sizes[l + 1]}, he(r, sizes[l], sizes[l] * sizes[l + 1])));
            g.initializer(Tensors.floats("b" + l, new long[] {sizes[l + 1]}, new float[sizes[l + 1]]));
            g.node("fc" + l, "Gemm", List.of(prev, "w" + l, "b" + l), List.of("h" + l));
            prev = "h" + l;
            if (l < 2) {
                g.node("relu" + l, "Relu", List.of(prev), List.of("a" + l));
                prev = "a" + l;
            }
        }
        return g.output(prev, DataType.FLOAT, "N", 10).build();
    }

    /** Untrained LeNet-5-style CNN: conv5x5x6 (pad 2) - maxpool - conv5x5x16 - maxpool - 120 - 84 - 10. */
    static OnnxModel cnn(long seed) {
        Random r = new Random(seed + 1);
        GraphBuilder g = new GraphBuilder("lenet5", 17).input("x", DataType.FLOAT, "N", 1, 28, 28)
                .initializer(Tensors.floats("c1w", new long[] {6, 1, 5, 5}, he(r, 25, 150)))
                .initializer(Tensors.floats("c1b", new long[] {6}, new float[6]))
                .initializer(Tensors.floats("c2w", new long[] {16, 6, 5, 5}, he(r, 150, 2400)))
                .initializer(Tensors.floats("c2b", new long[] {16}, new float[16]))
                .node("conv1", "Conv", List.of("x", "c1w", "c1b"), List.of("c1"), GraphBuilder.ints("pads", 2, 2, 2, 2))
                .node("relu1", "Relu", List.of("c1"), List.of("r1"))
                .node("pool1", "MaxPool", List.of("r1"), List.of("p1"), GraphBuilder.ints("kernel_shape", 2, 2),
                        GraphBuilder.ints("strides", 2, 2))
                .node("conv2", "Conv", List.of("p1", "c2w", "c2b"), List.of("c2"))
                .node("relu2", "Relu", List.of("c2"), List.of("r2"))
                .node("pool2", "MaxPool", List.of("r2"), List.of("p2"), GraphBuilder.ints("kernel_shape", 2, 2),
                        GraphBuilder.ints("strides", 2, 2))
                .node("flatten", "Flatten", List.of("p2"), List.of("f"));
        int[] sizes = {400, 120, 84, 10};
        String prev = "f";
        for (int l = 0; l < 3; l++) {
            g.initializer(Tensors.floats("fw" + l, new long[] {sizes[l], sizes[l + 1]}, he(r, sizes[l], sizes[l] * sizes[l + 1])));
            g.initializer(Tensors.floats("fb" + l, new long[] {sizes[l + 1]}, new float[sizes[l + 1]]));
            g.node("fc" + l, "Gemm", List.of(prev, "fw" + l, "fb" + l), List.of("h" + l));
            prev = "h" + l;
            if (l < 2) {
                g.node("frelu" + l, "Relu", List.of(prev), List.of("a" + l));
                prev = "a" + l;
            }
        }
        return g.output(prev, DataType.FLOAT, "N", 10).build();
    }

    private static float[] he(Random r, int fanIn, int n) {
        float[] w = new float[n];
        double s = Math.sqrt(2.0 / fanIn);
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextGaussian() * s);
        }
        return w;
    }
}
