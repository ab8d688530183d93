package io.tinyfleet.compression.search;

import java.util.List;
import java.util.Map;

/**
 * One model the search measured, as it appears in {@code results.json}.
 *
 * @param pipeline           pipeline text ({@code prune:sparsity=0.8 > quantize:int8}), empty for the baseline
 * @param order              techniques in the order applied
 * @param modelId            id of the model (hash of parent id, technique, version, config)
 * @param accuracy           top-1 accuracy in [0, 1] on the images the search reports on (null if unmeasured)
 * @param selectionAccuracy  top-1 accuracy on the images the search decides on (null without them)
 * @param fileBytes          ONNX file size
 * @param wireBytes          size on the wire
 * @param peakMemoryBytes    memory the model added to the process (null if unknown)
 * @param latencyMs          median batch-1 latency measured on this machine
 * @param params             weights in the initializers
 * @param paretoOptimal      on the front of (selection accuracy max, wireBytes min, latencyMs min)
 * @param profiles           per device profile: feasible or which constraints it violates
 * @param stepSeconds        time of the last step (0 when cached)
 * @param evalSeconds        time measuring took (0 when reused)
 * @param error              why the pipeline or its measurement failed, or null
 * @param steps              what each technique reported, in pipeline order
 */
public record Candidate(String pipeline, List<String> order, String modelId, Double accuracy,
                        Double selectionAccuracy, long fileBytes, long wireBytes, Long peakMemoryBytes,
                        Double latencyMs, Long params, boolean paretoOptimal,
                        Map<String, DeviceConstraints.Verdict> profiles, double stepSeconds, double evalSeconds,
                        String error, List<Map<String, Object>> steps) {

    /** Whether everything was measured (failed candidates are listed but never chosen). */
    public boolean ok() {
        return error == null && accuracy != null && latencyMs != null;
    }

    /** The accuracy the search decides on: {@code selectionAccuracy} when measured, else {@code accuracy}. */
    public Double decidingAccuracy() {
        return selectionAccuracy != null ? selectionAccuracy : accuracy;
    }

    /** Technique order as text: {@code prune > quantize}. */
    public String orderText() {
        return order.isEmpty() ? "baseline" : String.join(" > ", order);
    }
}
