/** Graph helpers shared by the techniques: producers/consumers, editing copies, ONNX Runtime runs for calibration and fusion checks, opset raising. */
package io.tinyfleet.compression.graph;
