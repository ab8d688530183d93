package io.tinyfleet.server.artifact;

import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/**
 * A stored model.
 *
 * @param id             sha256 (hex) of the ONNX bytes
 * @param name           a human label (file name or given name)
 * @param modelBytes     size of the ONNX file
 * @param artifactSha256 sha256 of the transfer artifact (zstd of model + eval shard)
 * @param artifactBytes  size on the wire
 * @param evalSamples    samples in the eval shard shipped with it (0: none)
 * @param source         how it arrived: {@code upload}, {@code cli}, {@code compress}, {@code search}
 * @param metadata       the model's ONNX metadata_props (provenance)
 * @param createdMs      when it was stored
 */
@Serdeable
public record ModelRecord(String id, String name, long modelBytes, String artifactSha256, long artifactBytes,
                          int evalSamples, String source, Map<String, String> metadata, long createdMs) {
}
