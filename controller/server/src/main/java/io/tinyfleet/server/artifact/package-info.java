/**
 * Models stored content-addressed (SHA-256) under the controller's home, with their provenance,
 * packed for transfer as a zstd-compressed bundle of the model and an optional eval shard.
 */
package io.tinyfleet.server.artifact;
