package io.tinyfleet.cli.bench;

import io.tinyfleet.cli.TrainCommand;
import io.tinyfleet.compression.arch.ArchSpec;
import io.tinyfleet.compression.arch.Architectures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 4's targets: Fashion-MNIST test accuracy of mlp (>= 88.5 %), lenet5 (>= 89.5 %) and
 * mobile (>= 90.5 %), each from one {@code train} run with the default recipe, and LeNet-5
 * training speed at batch 128 on one intra-op thread (<= 7 s per epoch of 60,000 images). The
 * PyTorch 1.13 reference (about 6.5 s per epoch on this machine) is quoted, not measured here.
 */
public final class TrainingSuite implements BenchSuite {

    /** Quoted PyTorch 1.13 LeNet-5 epoch time on this machine (one thread, batch 128). */
    static final double PYTORCH_REFERENCE_SECONDS = 6.5;

    @Override
    public String name() {
        return "training";
    }

    @Override
    public String description() {
        return "Train mlp, lenet5, mobile on the data; test accuracy and seconds per epoch vs targets";
    }

    @Override
    public Map<String, Object> run(BenchOptions o) throws Exception {
        Map<String, Double> targets = Map.of("mlp", 0.885, "lenet5", 0.895, "mobile", 0.905);
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> archs = new LinkedHashMap<>();
        for (String a : List.of("mlp", "lenet5", "mobile")) {
            ArchSpec spec = ArchSpec.of(a);
            int epochs = o.quick() ? 1 : Architectures.defaultEpochs(spec);
            Map<String, Object> r = TrainCommand.run(spec, o.data(), epochs, o.seed(),
                    o.workDir().resolve(a + ".onnx"), 1, null, null, null, null, null, 0, 0, null, false);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epochs", epochs);
            m.put("testAccuracy", r.get("testAccuracy"));
            m.put("target", targets.get(a));
            m.put("meetsTarget", (double) r.get("testAccuracy") >= targets.get(a));
            m.put("secondsPerEpoch", r.get("secondsPerEpoch"));
            @SuppressWarnings("unchecked")
            List<Double> secs = (List<Double>) r.get("secondsPerEpoch");
            double mean = secs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double per60k = mean * 60000.0 / (int) r.get("trainImages");
            m.put("meanSecondsPerEpoch", mean);
            m.put("secondsPer60kImages", per60k);
            m.put("parameters", r.get("parameters"));
            m.put("model", r.get("out"));
            if (a.equals("lenet5")) {
                m.put("speedTargetSeconds", 7.0);
                m.put("meetsSpeedTarget", per60k <= 7.0);
                m.put("ratioToPytorchReference", per60k / PYTORCH_REFERENCE_SECONDS);
                m.put("pytorchReference", "PyTorch 1.13, 1 thread, batch 128: about 6.5 s/epoch on this machine "
                        + "(quoted from shared notes, not measured in this run)");
            }
            archs.put(a, m);
            System.err.printf("training bench: %s %.2f%% (target %.1f%%), %.2f s/epoch%n", a,
                    100 * (double) r.get("testAccuracy"), 100 * targets.get(a), mean);
        }
        out.put("archs", archs);
        out.put("batch", 128);
        out.put("threads", 1);
        out.put("note", "timings are wall-clock on a machine shared with other builds; treat them as noisy");
        return out;
    }
}
