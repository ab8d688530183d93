package io.tinyfleet.compression.pipeline;

/**
 * Figures of one model, measured the same way before and after each step. Missing figures are
 * null, never guessed.
 *
 * @param accuracy   top-1 accuracy in [0, 1] on the evaluation data, null without labelled data
 * @param fileBytes  size of the ONNX file
 * @param wireBytes  size shipped to devices (zstd-compressed file)
 * @param parameters number of weight elements (initializers)
 * @param macs       multiply-accumulates of one sample, null when unknown
 * @param latencyMs  median latency at batch 1 in ms, null when not measured
 */
public record Metrics(Double accuracy, long fileBytes, Long wireBytes, long parameters, Long macs, Double latencyMs) {
}
