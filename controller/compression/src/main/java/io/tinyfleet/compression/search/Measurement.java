package io.tinyfleet.compression.search;

/**
 * What was measured about one model on this machine. Figures that could not be measured are null,
 * never invented.
 *
 * @param accuracy        top-1 accuracy in [0, 1] on the held-out data
 * @param fileBytes       size of the serialised ONNX file
 * @param wireBytes       size on the wire (the file compressed as it is sent to devices)
 * @param peakMemoryBytes resident memory the model added to the process when loaded and run, or null
 * @param latencyMs       median latency of one inference at batch 1, measured here
 * @param params          number of weights in the initializers, or null
 */
public record Measurement(Double accuracy, long fileBytes, long wireBytes, Long peakMemoryBytes, Double latencyMs,
                          Long params) {
}
