package io.tinyfleet.compression;

import io.tinyfleet.runtime.model.OnnxModel;
import java.util.List;
import java.util.Map;

/**
 * The one extension point of TinyFleet compression: a named, configured step from one ONNX model
 * to another.
 *
 * <p>Contract (checked for every registered technique by the contract test):
 * <ul>
 *   <li>the config is declared ({@link #spec()}) and validated before anything runs; errors name the field;</li>
 *   <li>{@link #unsupported} lists every node the technique cannot handle; a model with any is refused
 *       before work starts ({@link #check});</li>
 *   <li>{@link #apply} never mutates its input and returns a new model plus a record of what it did;</li>
 *   <li>the same input, config and seed give the same output bytes.</li>
 * </ul>
 * Provenance is added by the pipeline runner ({@code io.tinyfleet.compression.pipeline.Pipeline}).
 */
public interface CompressionTechnique {

    /** Stable id named after the algorithm, e.g. {@code prune.magnitude}. */
    String id();

    /** Pipeline word users type, e.g. {@code prune}. */
    String step();

    /**
     * Mode word after the colon for steps with several techniques ({@code quantize:int8}), or null.
     */
    default String mode() {
        return null;
    }

    /** Bumped whenever the output for the same input and config changes. */
    int version();

    /** One line for {@code --help}. */
    String description();

    /** Declared settings. */
    ConfigSpec spec();

    /** Parses and validates user settings. */
    default TechniqueConfig configure(Map<String, String> values) {
        return spec().parse(values);
    }

    /**
     * Nodes (or other parts) of {@code model} this technique cannot handle with {@code config}, each
     * entry naming the node and the reason; empty when the model is supported.
     */
    List<String> unsupported(OnnxModel model, TechniqueConfig config);

    /** Refuses {@code model} before any work when {@link #unsupported} finds anything. */
    default void check(OnnxModel model, TechniqueConfig config) {
        List<String> bad = unsupported(model, config);
        if (!bad.isEmpty()) {
            throw new UnsupportedModelException(id(), model.origin(), bad);
        }
    }

    /**
     * Whether {@link #apply} chooses by accuracy on {@link TechniqueContext#validation()} (mixed precision
     * picks its float layers so). Callers then hold validation images out of the training data, never
     * the test split ({@link TechniqueContext#onTrainingSplit}).
     */
    default boolean choosesOnValidation(TechniqueConfig config) {
        return false;
    }

    /** Compresses; the input is not changed. Call {@link #check} first (the pipeline does). */
    TechniqueResult apply(OnnxModel model, TechniqueConfig config, TechniqueContext ctx);

    /** The pipeline text of this step with {@code config}, e.g. {@code quantize:int8,method=minmax}. */
    default String stepText(TechniqueConfig config) {
        String head = step() + (mode() != null ? ":" + mode() : "");
        String cfg = config.toText();
        if (cfg.isEmpty()) {
            return head;
        }
        return head + (mode() != null ? "," : ":") + cfg;
    }
}
