package io.tinyfleet.compression.train;

import io.tinyfleet.runtime.model.OnnxModel;
import java.util.List;

/**
 * The outcome of {@link Trainer#train}.
 *
 * @param trained      clean inference model (BatchNorm folded, no training nodes) with provenance metadata
 * @param history      one record per epoch run
 * @param bestEpoch    epoch (1-based) whose weights were kept (the last one without validation data)
 * @param stoppedEarly whether early stopping ended the run
 * @param parameters   number of trained scalars (tied values counted once)
 * @param trainingGraphNodes nodes in the emitted training graph
 */
public record TrainResult(OnnxModel trained, List<Epoch> history, int bestEpoch, boolean stoppedEarly, long parameters,
                          int trainingGraphNodes) {

    /**
     * One epoch.
     *
     * @param epoch          1-based
     * @param trainLoss      mean batch loss
     * @param trainAccuracy  accuracy on the training batches (in training mode)
     * @param valAccuracy    accuracy of the exported model on the validation set, NaN without one
     * @param seconds        wall time of the training steps (evaluation excluded)
     * @param imagesPerSecond training throughput
     * @param lastLr         learning rate at the epoch's last step
     */
    public record Epoch(int epoch, double trainLoss, double trainAccuracy, double valAccuracy, double seconds,
                        double imagesPerSecond, double lastLr) {
    }

    /** Seconds of each epoch, in order. */
    public List<Double> secondsPerEpoch() {
        return history.stream().map(Epoch::seconds).toList();
    }
}
