/** Static int8 quantization in QDQ form, verified to fuse into ONNX Runtime integer kernels. */
package io.tinyfleet.compression.quantize.qdq;
