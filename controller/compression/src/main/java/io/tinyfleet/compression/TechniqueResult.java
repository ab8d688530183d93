package io.tinyfleet.compression;

import io.tinyfleet.runtime.model.OnnxModel;
import java.util.List;
import java.util.Map;

/**
 * What a technique produced: a new model (the input is never changed), figures about what it did
 * (plain maps, lists, numbers, strings) and notes the user must read (for example "the file halves
 * but ONNX Runtime computes in fp32").
 *
 * @param model the new model
 * @param stats figures, serialisable as JSON
 * @param notes plain-language facts and warnings
 */
public record TechniqueResult(OnnxModel model, Map<String, Object> stats, List<String> notes) {

    /** Copies the collections. */
    public TechniqueResult {
        stats = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stats));
        notes = List.copyOf(notes);
    }
}
