/** Mixed precision: int8 except the layers most sensitive to it. */
package io.tinyfleet.compression.quantize.mixed;
