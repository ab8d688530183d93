/** Dynamic int8 quantization of MatMul/Gemm (DynamicQuantizeMatMul). */
package io.tinyfleet.compression.quantize.dynamic;
