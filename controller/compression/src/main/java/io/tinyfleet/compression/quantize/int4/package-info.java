/** Weight-only int4 block quantization for MatMul (MatMulNBits). */
package io.tinyfleet.compression.quantize.int4;
