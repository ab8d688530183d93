/**
 * Training on ONNX graphs: {@link io.tinyfleet.compression.train.GradientBuilder} emits the
 * backward pass of a forward model as ordinary ONNX ops (one {@link io.tinyfleet.compression.train.GradRule}
 * per op type), ONNX Runtime runs it, and {@link io.tinyfleet.compression.train.Trainer} updates
 * the weights in Java with an {@link io.tinyfleet.compression.train.Optimizer}, honouring pruning
 * masks, clustering ties and an optional distillation teacher. The result is a clean inference
 * model ({@link io.tinyfleet.compression.train.InferenceExport}: BatchNorm folded) with provenance.
 */
package io.tinyfleet.compression.train;
