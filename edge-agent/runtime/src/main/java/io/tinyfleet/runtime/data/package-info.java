/** Datasets: IDX readers, labelled images in memory, preprocessing, eval shards. */
package io.tinyfleet.runtime.data;
