package io.tinyfleet.compression.train;

import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to train: epochs, batch, optimiser, learning-rate schedule, seed, threads, and what
 * compression fixed (masks, ties) or what teaches (distillation). Build with {@link #builder()};
 * {@link Builder#build()} validates and names the offending field.
 *
 * @param epochs       number of passes over the training set (>= 1)
 * @param batch        batch size; the last partial batch of an epoch is dropped
 * @param optimizer    the optimiser
 * @param schedule     learning rate per step
 * @param seed         seed for shuffling and random ops (mandatory)
 * @param threads      ONNX Runtime intra-op threads (1 is fastest on 2 cores)
 * @param clipNorm     global gradient-norm clip, 0 for none
 * @param masks        per trainable initializer a 0/1 mask: zeros stay exactly zero (pruning)
 * @param ties         per trainable initializer an index into shared values per element: tied
 *                     elements share one value and only the shared values train (clustering)
 * @param teacher      distillation teacher (inference model with the same input), or null
 * @param temperature  distillation temperature T
 * @param alpha        weight of the soft (teacher) loss, 1 - alpha for the hard labels
 * @param patience     early stop after this many epochs without a better validation accuracy (0: never)
 * @param trainable    initializers to train, null for every trainable float initializer
 * @param progress     print a progress bar to stderr
 * @param checkpointDir write the inference model after every epoch here, or null
 * @param augmentation random flips/shifts of each training batch ({@link Augmentation#NONE} for none)
 */
public record TrainConfig(int epochs, int batch, OptimizerSpec optimizer, LrSchedule schedule, long seed, int threads,
                          float clipNorm, Map<String, float[]> masks, Map<String, int[]> ties, OnnxModel teacher,
                          float temperature, float alpha, int patience, List<String> trainable, boolean progress,
                          Path checkpointDir, Augmentation augmentation) {

    /** Optimiser choice: {@code sgd} (momentum), {@code adam} (L2) or {@code adamw} (decoupled decay). */
    public record OptimizerSpec(String kind, float weightDecay, float momentum) {
        public OptimizerSpec {
            if (!List.of("sgd", "adam", "adamw").contains(kind)) {
                throw new IllegalArgumentException("optimizer must be sgd, adam or adamw, got '" + kind + "'");
            }
        }

        /** A fresh optimiser (state starts empty). */
        public Optimizer create() {
            return switch (kind) {
                case "sgd" -> new Optimizer.Sgd(momentum, true, weightDecay);
                case "adam" -> Optimizer.Adam.standard(weightDecay, false);
                default -> Optimizer.Adam.standard(weightDecay, true);
            };
        }
    }

    /** A builder with defaults: 1 epoch, batch 128, Adam, constant lr 1e-3, 1 thread, no clipping. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batch = batch;
        b.optimizer = optimizer;
        b.schedule = schedule;
        b.seed = seed;
        b.threads = threads;
        b.clipNorm = clipNorm;
        b.masks = masks;
        b.ties = ties;
        b.teacher = teacher;
        b.temperature = temperature;
        b.alpha = alpha;
        b.patience = patience;
        b.trainable = trainable;
        b.progress = progress;
        b.checkpointDir = checkpointDir;
        b.augmentation = augmentation;
        return b;
    }

    /** The loss these settings imply. */
    public Loss loss() {
        return teacher == null ? new Loss.SoftmaxCrossEntropy() : new Loss.Distillation(temperature, alpha);
    }

    /** Fluent builder of {@link TrainConfig}. */
    public static final class Builder {
        private int epochs = 1;
        private int batch = 128;
        private OptimizerSpec optimizer = new OptimizerSpec("adam", 0f, 0f);
        private LrSchedule schedule = new LrSchedule.Constant(1e-3f);
        private Long seed;
        private int threads = 1;
        private float clipNorm;
        private Map<String, float[]> masks = Map.of();
        private Map<String, int[]> ties = Map.of();
        private OnnxModel teacher;
        private float temperature = 4f;
        private float alpha = 0.7f;
        private int patience;
        private List<String> trainable;
        private boolean progress;
        private Path checkpointDir;
        private Augmentation augmentation = Augmentation.NONE;

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batch(int v) { batch = v; return this; }
        public Builder optimizer(String kind, float weightDecay, float momentum) {
            optimizer = new OptimizerSpec(kind, weightDecay, momentum);
            return this;
        }
        public Builder schedule(LrSchedule v) { schedule = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder clipNorm(float v) { clipNorm = v; return this; }
        public Builder masks(Map<String, float[]> v) { masks = Map.copyOf(v); return this; }
        public Builder ties(Map<String, int[]> v) { ties = Map.copyOf(v); return this; }
        /** Distil from {@code model} with temperature {@code t} and soft-loss weight {@code a}. */
        public Builder teacher(OnnxModel model, float t, float a) {
            teacher = model;
            temperature = t;
            alpha = a;
            return this;
        }
        public Builder patience(int v) { patience = v; return this; }
        public Builder trainable(List<String> v) { trainable = v == null ? null : List.copyOf(v); return this; }
        public Builder progress(boolean v) { progress = v; return this; }
        public Builder checkpointDir(Path v) { checkpointDir = v; return this; }
        public Builder augmentation(Augmentation v) { augmentation = v == null ? Augmentation.NONE : v; return this; }

        /** Refuses a mask that splits a tie group (part frozen at zero, part trainable). */
        private static void checkMaskedGroups(String name, float[] mask, int[] tie) {
            if (mask.length != tie.length) {
                throw new IllegalArgumentException("initializer '" + name + "': mask has " + mask.length
                        + " elements, tie " + tie.length);
            }
            java.util.Map<Integer, Boolean> frozen = new java.util.HashMap<>();
            for (int i = 0; i < tie.length; i++) {
                Boolean prev = frozen.putIfAbsent(tie[i], mask[i] == 0);
                if (prev != null && prev != (mask[i] == 0)) {
                    throw new IllegalArgumentException("initializer '" + name + "' has a mask that splits tie group "
                            + tie[i] + " (a group must be wholly masked or wholly free)");
                }
            }
        }

        /** Validates and builds; the message names the bad field. */
        public TrainConfig build() {
            if (seed == null) {
                throw new IllegalArgumentException("seed is mandatory");
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be >= 1, got " + batch);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            if (clipNorm < 0) {
                throw new IllegalArgumentException("clipNorm must be >= 0, got " + clipNorm);
            }
            if (patience < 0) {
                throw new IllegalArgumentException("patience must be >= 0, got " + patience);
            }
            if (teacher != null) {
                new Loss.Distillation(temperature, alpha);
            }
            for (String k : masks.keySet()) {
                if (ties.containsKey(k)) {
                    // allowed when every tie group is wholly masked or wholly free (a pruned zero centroid of
                    // clustering): masked gradients never reach such a group's shared value, so it stays zero
                    checkMaskedGroups(k, masks.get(k), ties.get(k));
                }
            }
            return new TrainConfig(epochs, batch, optimizer, schedule, seed, threads, clipNorm, masks, ties, teacher,
                    temperature, alpha, patience, trainable, progress, checkpointDir, augmentation);
        }
    }
}
