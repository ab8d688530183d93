/** Quantization arithmetic, activation calibration (MinMax, Percentile, Entropy) and weight-decoder folding shared by the quantizers. */
package io.tinyfleet.compression.quantize.common;
