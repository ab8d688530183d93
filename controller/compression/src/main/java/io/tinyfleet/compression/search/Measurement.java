package io.tinyfleet.compression.search;

/**
 * What was measured about one model on this machine. Figures that could not be measured are null,
 * never invented.
 *
 * @param accuracy          top-1 accuracy in [0, 1] on the held-out images the search reports on
 * @param selectionAccuracy top-1 accuracy on other held-out images, which the search decides on (see
 *                          {@link SearchSetup#selectionAndReport}); null when the evaluator has none
 * @param fileBytes         size of the serialised ONNX file
 * @param wireBytes         size on the wire (the file compressed as it is sent to devices)
 * @param peakMemoryBytes   resident memory the model added to the process when loaded and run, or null
 * @param latencyMs         median latency of one inference at batch 1, measured here
 * @param params            number of weights in the initializers, or null
 */
public record Measurement(Double accuracy, Double selectionAccuracy, long fileBytes, long wireBytes,
                          Long peakMemoryBytes, Double latencyMs, Long params) {

    /**
     * The accuracy the search decides on (front, floor, best): {@code selectionAccuracy} when it was
     * measured, so that choosing among many candidates does not fit the images it reports on; else
     * {@code accuracy}.
     */
    public Double decidingAccuracy() {
        return selectionAccuracy != null ? selectionAccuracy : accuracy;
    }
}
