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
     * Trains {@code model} for {@code epochs} epochs and returns the new model.
     *
     * @param masks    initializer name to per-element mask (may be empty)
     * @param clusters initializer name to per-element centroid index (may be empty)
     * @param teacher  the model before compression, whose outputs the fine-tuning may distil from
     *                 (Hinton et al. 2015), or null to train on the labels only
     */
    OnnxModel fineTune(OnnxModel model, int epochs, Map<String, byte[]> masks, Map<String, int[]> clusters,
                       TechniqueContext ctx, OnnxModel teacher);
}
