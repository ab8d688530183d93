package io.tinyfleet.compression.search;

import io.tinyfleet.runtime.model.OnnxModel;

/** Measures one candidate model: accuracy on held-out data, sizes, memory and latency on this machine. */
@FunctionalInterface
public interface CandidateEvaluator {

    /**
     * Measures {@code model}.
     *
     * @throws RuntimeException with a one-line message when the model cannot be run
     */
    Measurement evaluate(OnnxModel model);
}
