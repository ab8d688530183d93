package io.tinyfleet.compression.pipeline;

import io.tinyfleet.runtime.model.OnnxModel;

/** Measures a model before and after each pipeline step (the CLI measures with the runtime evaluator). */
@FunctionalInterface
public interface ModelMeasurer {

    /** Measures nothing: steps keep no before/after figures. */
    ModelMeasurer NONE = m -> null;

    /** Figures of {@code model}, or null when not measured. */
    Metrics measure(OnnxModel model);
}
