package io.tinyfleet.compression;

import io.tinyfleet.runtime.model.OnnxModel;
import java.util.Map;

/**
 * Fine-tunes a compressed model on the training split while keeping what compression fixed: zeros
 * of pruned weights stay zero ({@code masks}: 1 = trainable, 0 = frozen at zero) and clustered
 * weights stay tied to their centroids ({@code clusters}: centroid index per element, only the
 * centroids train). Implemented on top of the trainer in {@code io.tinyfleet.compression.train}.
 */
public interface FineTuner {

    /**
     * Choices a step makes about its fine-tuning beyond the trainer adapter's defaults.
     *
     * @param distil       learn from the uncompressed model's softened outputs as well as from the labels
     *                     (Hinton, Vinyals, Dean, "Distilling the Knowledge in a Neural Network", 2015)
     * @param learningRate peak learning rate, or null for the adapter's default
     */
    record Recipe(boolean distil, Double learningRate) {

        /** Labels only, the adapter's learning rate. */
        public static final Recipe PLAIN = new Recipe(false, null);
    }

    /**
     * Trains {@code model} for {@code epochs} epochs and returns the new model.
     *
     * @param masks    initializer name to per-element mask (may be empty)
     * @param clusters initializer name to per-element centroid index (may be empty)
     * @param teacher  the model before compression, whose outputs the fine-tuning may distil from
     *                 (Hinton et al. 2015), or null to train on the labels only
     * @param recipe   distillation and learning-rate choices
     */
    OnnxModel fineTune(OnnxModel model, int epochs, Map<String, byte[]> masks, Map<String, int[]> clusters,
                       TechniqueContext ctx, OnnxModel teacher, Recipe recipe);

    /** {@link #fineTune(OnnxModel, int, Map, Map, TechniqueContext, OnnxModel, Recipe)} with {@link Recipe#PLAIN}. */
    default OnnxModel fineTune(OnnxModel model, int epochs, Map<String, byte[]> masks, Map<String, int[]> clusters,
                               TechniqueContext ctx, OnnxModel teacher) {
        return fineTune(model, epochs, masks, clusters, ctx, teacher, Recipe.PLAIN);
    }
}
