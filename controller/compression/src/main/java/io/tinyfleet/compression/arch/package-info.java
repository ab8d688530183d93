/**
 * Built-in architectures ({@code mlp}, {@code lenet5}, {@code mobile}) and their narrower or
 * shallower students, as freshly initialised ONNX inference models.
 */
package io.tinyfleet.compression.arch;
