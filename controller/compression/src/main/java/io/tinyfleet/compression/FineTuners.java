package io.tinyfleet.compression;

import io.tinyfleet.compression.train.LrSchedule;
import io.tinyfleet.compression.train.TrainConfig;
import io.tinyfleet.compression.train.TrainResult;
import io.tinyfleet.compression.train.Trainer;
import io.tinyfleet.runtime.model.OnnxModel;
import java.util.LinkedHashMap;
import java.util.Map;

/** Connects {@code finetune=N} of compression steps to the trainer in {@code io.tinyfleet.compression.train}. */
public final class FineTuners {

    /** Peak learning rate of fine-tuning (Adam, cosine decay). */
    public static final float LEARNING_RATE = Float.parseFloat(System.getProperty("tinyfleet.ft.lr", "1e-3"));
    /** Distillation temperature when a teacher is given. */
    public static final float TEMPERATURE = Float.parseFloat(System.getProperty("tinyfleet.ft.t", "4"));
    /** Weight of the teacher's soft loss when a teacher is given (1 - this for the labels). */
    public static final float ALPHA = Float.parseFloat(System.getProperty("tinyfleet.ft.alpha", "0.7"));
    private static final int BATCH = Integer.parseInt(System.getProperty("tinyfleet.ft.batch", "128"));
    private static final String OPTIMIZER = System.getProperty("tinyfleet.ft.opt", "adam");
    private static final boolean DISTIL = Boolean.parseBoolean(System.getProperty("tinyfleet.ft.kd", "true"));

    private FineTuners() {
    }

    /**
     * The trainer as a {@link FineTuner}: Adam with a cosine schedule from {@value #LEARNING_RATE}, batch 128,
     * the context's seed, masks keeping pruned zeros at zero and ties training only shared centroids.
     */
    public static FineTuner standard() {
        return (model, epochs, masks, clusters, ctx, teacher) -> {
            Map<String, float[]> m = new LinkedHashMap<>();
            masks.forEach((k, v) -> {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i] != 0 ? 1f : 0f;
                }
                m.put(k, f);
            });
            TrainConfig.Builder cfg = TrainConfig.builder().epochs(epochs).batch(BATCH).seed(ctx.seed()).masks(m).ties(clusters)
                    .optimizer(OPTIMIZER, OPTIMIZER.equals("adamw") ? 1e-4f : 0f, 0f)
                    .schedule(new LrSchedule.Cosine(LEARNING_RATE, LEARNING_RATE / 100, 0)).progress(true);
            if (teacher != null && DISTIL) {
                cfg.teacher(teacher, TEMPERATURE, ALPHA);
            }
            ctx.progress().report("fine-tuning " + epochs + " epoch(s)", 0);
            TrainResult r = Trainer.train(model, cfg.build(), ctx.train(), null, ctx.preprocessing());
            ctx.progress().report("fine-tuning " + epochs + " epoch(s)", 1);
            return r.trained();
        };
    }
}
