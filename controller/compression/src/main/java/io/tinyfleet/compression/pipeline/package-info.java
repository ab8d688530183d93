/** Pipelines of configured techniques (text or YAML), step records, provenance in metadata_props, before/after measuring. */
package io.tinyfleet.compression.pipeline;
