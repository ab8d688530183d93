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

    /** Peak learning rate of fine-tuning (Adam, cosine decay): a tenth of what training from scratch uses. */
    public static final float LEARNING_RATE = 1e-3f;

    private FineTuners() {
    }

    /**
     * The trainer as a {@link FineTuner}: Adam with a cosine schedule from {@value #LEARNING_RATE}, batch 128,
     * the context's seed, masks keeping pruned zeros at zero and ties training only shared centroids.
     */
    public static FineTuner standard() {
        return (model, epochs, masks, clusters, ctx) -> {
            Map<String, float[]> m = new LinkedHashMap<>();
            masks.forEach((k, v) -> {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = v[i] != 0 ? 1f : 0f;
                }
                m.put(k, f);
            });
            TrainConfig cfg = TrainConfig.builder().epochs(epochs).seed(ctx.seed()).masks(m).ties(clusters)
                    .schedule(new LrSchedule.Cosine(LEARNING_RATE, LEARNING_RATE / 100, 0)).progress(true).build();
            ctx.progress().report("fine-tuning " + epochs + " epoch(s)", 0);
            TrainResult r = Trainer.train(model, cfg, ctx.train(), null, ctx.preprocessing());
            ctx.progress().report("fine-tuning " + epochs + " epoch(s)", 1);
            OnnxModel out = r.trained();
            return out;
        };
    }
}
