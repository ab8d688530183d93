package io.tinyfleet.cli;

import io.tinyfleet.compression.arch.ArchSpec;
import io.tinyfleet.compression.arch.Architectures;
import io.tinyfleet.compression.pipeline.Provenance;
import io.tinyfleet.runtime.bench.Evaluator;
import io.tinyfleet.compression.train.Augmentation;
import io.tinyfleet.compression.train.LrSchedule;
import io.tinyfleet.compression.train.TrainConfig;
import io.tinyfleet.compression.train.TrainResult;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.runtime.data.LabeledImages;
import io.tinyfleet.runtime.data.Preprocessing;
import io.tinyfleet.runtime.data.Split;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tinyfleet train}: trains a built-in architecture (or a student of it) on a dataset with
 * gradients emitted as ONNX graphs, and writes a clean inference ONNX with provenance.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train mlp, lenet5 or mobile (or a narrower/shallower student) and write an inference ONNX.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--arch", required = true, description = "mlp, lenet5 or mobile.")
    String arch;

    @Option(names = "--data", defaultValue = "fashion-mnist",
            description = "Dataset: fashion-mnist or a folder of IDX files (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--epochs", description = "Epochs (default: 20).")
    Integer epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for initialisation and shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Output model file (.onnx).")
    Path out;

    @Option(names = "--width", defaultValue = "1.0", description = "Width multiplier for a student (default: ${DEFAULT-VALUE}).")
    double width;

    @Option(names = "--depth", defaultValue = "0", description = "Blocks/hidden layers for a student, 0 = baseline (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch", description = "Batch size (default 128).")
    Integer batch;

    @Option(names = "--lr", description = "Peak learning rate (default per arch).")
    Float lr;

    @Option(names = "--optimizer", description = "sgd, adam or adamw (default adamw).")
    String optimizer;

    @Option(names = "--weight-decay", description = "Weight decay (default per arch: 1e-4, mobile 0.05).")
    Float weightDecay;

    @Option(names = "--augment", description = "none, or flip and/or shift=N pixels, e.g. flip,shift=2 "
            + "(default per arch: mobile flip,shift=2, others none).")
    String augment;

    @Option(names = "--val", defaultValue = "0",
            description = "Hold out this many training images for validation and early stopping; 0 evaluates "
                    + "on the test set each epoch for display only (default: ${DEFAULT-VALUE}).")
    int val;

    @Option(names = "--patience", defaultValue = "0", description = "Early-stop patience in epochs with --val (default: none).")
    int patience;

    @Option(names = "--checkpoints", description = "Folder for a model after every epoch.")
    Path checkpoints;

    @Option(names = "--json", description = "Print the result as JSON (no progress bar).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ArchSpec spec = new ArchSpec(arch, width, depth);
        Map<String, Object> r = run(spec, data, epochs == null ? Architectures.defaultEpochs(spec) : epochs, seed, out,
                threads, batch, lr, optimizer, weightDecay, augment, val, patience, checkpoints, !json);
        if (json) {
            Json.print(System.out, r);
        } else {
            System.out.printf("%s: test accuracy %.2f%%, %d parameters, %s s/epoch -> %s%n", spec,
                    100 * (double) r.get("testAccuracy"), (long) r.get("parameters"), r.get("secondsPerEpoch"), out);
        }
        return 0;
    }

    /** Trains and writes the model; returns the figures printed by {@code --json} (also used by the bench suite). */
    public static Map<String, Object> run(ArchSpec spec, String data, int epochs, long seed, Path out, int threads,
                                          Integer batch, Float lr, String optimizer, Float weightDecay,
                                          String augment, int val, int patience,
                                          Path checkpoints, boolean progress) throws Exception {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (!out.getFileName().toString().endsWith(".onnx")) {
            throw new IllegalArgumentException("--out must name an .onnx file, got " + out);
        }
        LabeledImages train = LabeledImages.load(data, Split.TRAIN);
        LabeledImages test = LabeledImages.load(data, Split.TEST);
        LabeledImages valSet = test;
        if (val < 0 || val >= train.count()) {
            throw new IllegalArgumentException("--val must be in 0.." + (train.count() - 1) + ", got " + val);
        }
        if (val > 0) {
            int[] perm = new int[train.count()];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(seed ^ 0x5eedL);
            for (int i = perm.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            valSet = train.subset(java.util.Arrays.copyOfRange(perm, 0, val));
            train = train.subset(java.util.Arrays.copyOfRange(perm, val, perm.length));
        }
        OnnxModel model = Architectures.build(spec, seed);
        TrainConfig.Builder b = Architectures.defaults(spec, epochs, seed).threads(threads).progress(progress)
                .patience(val > 0 ? patience : 0).checkpointDir(checkpoints);
        TrainConfig base = b.build();
        if (batch != null) {
            b.batch(batch);
        }
        if (lr != null) {
            LrSchedule s = base.schedule();
            b.schedule(s instanceof LrSchedule.Cosine c ? new LrSchedule.Cosine(lr, c.minLr(), c.warmupSteps())
                    : new LrSchedule.Constant(lr));
        }
        if (optimizer != null || weightDecay != null) {
            String kind = optimizer != null ? optimizer : base.optimizer().kind();
            b.optimizer(kind, weightDecay != null ? weightDecay : base.optimizer().weightDecay(),
                    kind.equals("sgd") ? 0.9f : base.optimizer().momentum());
        }
        if (augment != null) {
            b.augmentation(Augmentation.parse(augment));
        }
        TrainConfig cfg = b.build();
        // With --val 0 the test set is shown each epoch but never used to pick weights.
        TrainResult result = Trainer.train(model, cfg, train, val > 0 ? valSet : test, Preprocessing.DEFAULT);
        OnnxModel trained = result.trained();
        double testAcc = Evaluator.accuracy(trained, test, Preprocessing.DEFAULT, threads);
        trained = trained.withMetadata(Provenance.ARCH_KEY, spec.toString())
                .withMetadata("tinyfleet.dataset", data)
                .withMetadata("tinyfleet.tool", "tinyfleet " + Version.current())
                .withMetadata("tinyfleet.testAccuracy", String.format("%.4f", testAcc));
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        trained.save(out);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("arch", spec.toString());
        r.put("out", out.toString());
        r.put("testAccuracy", testAcc);
        r.put("secondsPerEpoch", result.secondsPerEpoch());
        r.put("parameters", Architectures.parameters(trained));
        r.put("trainedParameters", result.parameters());
        r.put("epochs", result.history().size());
        r.put("bestEpoch", result.bestEpoch());
        r.put("stoppedEarly", result.stoppedEarly());
        r.put("batch", cfg.batch());
        r.put("threads", threads);
        r.put("optimizer", cfg.optimizer().create().toString());
        r.put("schedule", cfg.schedule().toString());
        r.put("augmentation", cfg.augmentation().toString());
        r.put("seed", seed);
        r.put("trainImages", train.count());
        r.put("validation", val > 0 ? "held out " + val + " training images" : "test set, display only");
        r.put("history", result.history().stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", e.epoch());
            m.put("trainLoss", e.trainLoss());
            m.put("trainAccuracy", e.trainAccuracy());
            m.put(val > 0 ? "valAccuracy" : "testAccuracy", e.valAccuracy());
            m.put("seconds", e.seconds());
            m.put("imagesPerSecond", e.imagesPerSecond());
            return m;
        }).toList());
        r.put("modelBytes", Files.size(out));
        r.put("modelSha256", trained.sha256());
        return r;
    }

    static List<String> archs() {
        return ArchSpec.ARCHS;
    }
}
