/** Weight sharing by k-means into a codebook plus uint8/uint4 indices decoded by Gather. */
package io.tinyfleet.compression.cluster;
