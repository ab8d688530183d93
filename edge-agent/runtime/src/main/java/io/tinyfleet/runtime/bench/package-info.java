/**
 * The measuring harness: accuracy, latency percentiles, throughput, load time and memory of an
 * ONNX model, the same on the controller and on a device ({@link io.tinyfleet.runtime.bench.Evaluator}).
 */
package io.tinyfleet.runtime.bench;
