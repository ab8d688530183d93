/** Pruning: unstructured magnitude pruning and structured channel pruning that removes filters. */
package io.tinyfleet.compression.prune;
