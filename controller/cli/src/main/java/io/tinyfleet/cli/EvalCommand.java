package io.tinyfleet.cli;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.tinyfleet.runtime.bench.EvalOptions;
import io.tinyfleet.runtime.bench.EvalReport;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.runtime.bench.LatencyStats;
import io.tinyfleet.runtime.bench.OpProfile;
import io.tinyfleet.runtime.data.DataSource;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.session.RuntimeOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyfleet eval MODEL [--data D] [--limit N] [--batch B] [--threads T] [--profile] [--json]}:
 * accuracy, latency percentiles, throughput, load time and memory of a model, measured by the same
 * {@link Evaluator} the agent runs on a device.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Measure a model with ONNX Runtime: top-1 accuracy (with --data), latency p50/p95/p99 at "
                + "batch 1 and batch B, throughput, load time, peak RSS; --profile shows time per op and node.")
public final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx file.")
    Path model;

    @Option(names = "--data", paramLabel = "D",
            description = "fashion-mnist, a folder of IDX files, or an eval shard (.tfshard). "
                    + "Without it: deterministic random inputs shaped from the model.")
    String data;

    @Option(names = "--split", defaultValue = "test", description = "train or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate the first N samples (default: all).")
    int limit;

    @Option(names = "--batch", defaultValue = "1", description = "Batch size B (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: 1, or the device profile's).")
    Integer threads;

    @Option(names = "--runs", defaultValue = "100", description = "Timed runs per latency figure (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "10", description = "Untimed warm-up runs (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--scale", description = "Pixel scale (default 1/255; use 1 for models taking raw 0..255 pixels).")
    Float scale;

    @Option(names = "--mean", description = "Subtracted after scaling (default 0).")
    Float mean;

    @Option(names = "--std", description = "Divides after subtracting the mean (default 1).")
    Float std;

    @Option(names = "--opt-level", defaultValue = "ALL_OPT",
            description = "Graph optimisation: NO_OPT, BASIC_OPT, EXTENDED_OPT, ALL_OPT (default: ${DEFAULT-VALUE}).")
    OptLevel optLevel;

    @Option(names = "--device-profile", paramLabel = "FILE",
            description = "A device-profiles/*.yaml: its execution providers and thread count.")
    Path deviceProfile;

    @Option(names = "--profile", description = "Run ONNX Runtime's profiler: time per op type and per node.")
    boolean profile;

    @Option(names = "--top", defaultValue = "10", description = "Nodes listed by --profile (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of random inputs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        OnnxModel m = OnnxModel.load(model);
        RuntimeOptions ro = deviceProfile == null ? RuntimeOptions.defaults()
                : RuntimeOptions.forProfile(DeviceProfile.load(deviceProfile));
        if (threads != null) {
            ro = ro.withThreads(threads);
        }
        ro = ro.withOptLevel(optLevel);
        EvalOptions o = EvalOptions.random().withRuntime(ro).withBatch(batch).withLimit(limit)
                .withRuns(warmup, runs).withProfile(profile).withSeed(seed);
        if (data != null) {
            DataSource ds = DataSource.open(data, Split.parse(split));
            Preprocessing p = ds.preprocessing();
            p = new Preprocessing(scale != null ? scale : p.scale(), mean != null ? mean : p.mean(),
                    std != null ? std : p.std());
            o = o.withData(ds.images(), ds.name()).withPreprocessing(p);
        } else if (scale != null || mean != null || std != null) {
            throw new IllegalArgumentException("--scale, --mean and --std apply to --data; random inputs are not preprocessed");
        }
        EvalReport r = Evaluator.evaluate(m, o);
        if (json) {
            Json.print(System.out, r);
        } else {
            print(System.out, r, top);
        }
        return 0;
    }

    static void print(PrintStream out, EvalReport r, int top) {
        out.printf("model       %s (%,d bytes)%n", r.model(), r.modelBytes());
        out.printf("data        %s%s%n", r.dataset(), r.samples() > 0 ? ", " + r.samples() + " samples" : "");
        if (r.accuracy() != null) {
            out.printf("accuracy    %.4f (%d/%d top-1)%n", r.accuracy(), r.correct(), r.samples());
        }
        line(out, "latency b1 ", r.latencyMs());
        if (r.batch() != 1 || r.latencyBatchMs() != r.latencyMs()) {
            line(out, "latency b" + r.batch() + (r.batch() < 10 ? " " : ""), r.latencyBatchMs());
        }
        out.printf("throughput  %.1f samples/s%n", r.throughputPerSec());
        out.printf("load        %.1f ms (first run %.2f ms)%n", r.loadMs(), r.firstRunMs());
        out.printf("memory      peak RSS %s, +%s on load, +%s while running%n", mib(r.rssBytes()),
                mib(r.rssGrowthOnLoadBytes()), mib(r.rssGrowthOnRunBytes()));
        out.printf("runtime     %s, %d thread%s, %s%n", String.join(", ", r.providers()), r.threads(),
                r.threads() == 1 ? "" : "s", r.optLevel());
        out.printf("inputs      %s%n", r.inputShapes());
        for (String n : r.notes()) {
            out.println("note        " + n);
        }
        OpProfile p = r.profile();
        if (p != null) {
            out.printf("%nprofile     batch %d, %d runs after warm-up, %.3f ms kernel time per run%n", r.batch(), p.runs(),
                    p.totalMs() / Math.max(1, p.runs()));
            out.printf("  %-28s %8s %10s%n", "op type", "share", "ms/run");
            for (OpProfile.Entry e : p.byOp()) {
                out.printf("  %-28s %7.1f%% %10.4f%n", e.name(), 100 * e.share(), e.perRunMs());
            }
            out.printf("  %-40s %-16s %8s %10s%n", "node", "op", "share", "ms/run");
            List<OpProfile.Entry> nodes = p.byNode().subList(0, Math.min(top, p.byNode().size()));
            for (OpProfile.Entry e : nodes) {
                out.printf("  %-40s %-16s %7.1f%% %10.4f%n", e.name(), e.opType(), 100 * e.share(), e.perRunMs());
            }
        }
    }

    private static void line(PrintStream out, String label, LatencyStats s) {
        out.printf("%s p50 %.3f ms, p95 %.3f ms, p99 %.3f ms (%d runs, mean %.3f)%n", label, s.p50(), s.p95(), s.p99(),
                s.runs(), s.mean());
    }

    private static String mib(Long bytes) {
        return bytes == null ? "unknown" : String.format("%.1f MiB", bytes / 1048576.0);
    }
}
