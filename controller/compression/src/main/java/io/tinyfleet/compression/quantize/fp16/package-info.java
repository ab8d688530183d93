/** fp16 weight storage (the file halves; ONNX Runtime CPU computes in fp32). */
package io.tinyfleet.compression.quantize.fp16;
