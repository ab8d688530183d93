package io.tinyfleet.compression.search;

import io.tinyfleet.runtime.model.OnnxModel;
import java.util.Map;

/**
 * Applies one pipeline step to a model. The real implementation runs the compression pipeline's
 * technique for {@link Step#technique()}; the search never changes models itself.
 */
@FunctionalInterface
public interface StepRunner {

    /**
     * What one step produced.
     *
     * @param model  the new model
     * @param id     the id of the output (a hash of the parent id, technique, version and config)
     * @param record what the technique reported about the step (figures, notes), serialisable as JSON
     */
    record Output(OnnxModel model, String id, Map<String, Object> record) {
    }

    /**
     * Applies {@code step} to {@code parent}, whose id is {@code parentId}.
     *
     * @throws RuntimeException with a one-line message when the step cannot be applied
     */
    Output apply(OnnxModel parent, String parentId, Step step);

    /** The id of a model that did not come from this runner (the baseline): its SHA-256 by default. */
    default String idOf(OnnxModel model) {
        return model.sha256();
    }
}
