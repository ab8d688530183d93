package io.tinyfleet.compression.pipeline;

import java.util.List;
import java.util.Map;

/**
 * What one pipeline step did. Serialises to JSON as it is.
 *
 * @param index        position in the pipeline, from 1
 * @param step         pipeline text of the step ({@code prune:sparsity=0.8,scope=layer,finetune=0})
 * @param technique    technique id ({@code prune.magnitude})
 * @param version      technique version
 * @param config       canonical config values
 * @param inputSha256  content hash of the input (provenance metadata excluded)
 * @param outputSha256 content hash of the output (provenance metadata excluded)
 * @param inputId      id of the input: its provenance id, or its content hash for a source model
 * @param outputId     SHA-256 of input id, technique, version, config and seed
 * @param before       figures of the input, or null when not measured
 * @param after        figures of the output, or null when not measured
 * @param millis       wall time of the technique
 * @param stats        the technique's own figures
 * @param notes        what the user must know about this result
 */
public record StepRecord(int index, String step, String technique, int version, Map<String, String> config,
                         String inputSha256, String outputSha256, String inputId, String outputId, Metrics before,
                         Metrics after, double millis, Map<String, Object> stats, List<String> notes) {

    /** The same record with other figures after the step. */
    public StepRecord withAfter(Metrics figures) {
        return new StepRecord(index, step, technique, version, config, inputSha256, outputSha256, inputId, outputId,
                before, figures, millis, stats, notes);
    }
}
