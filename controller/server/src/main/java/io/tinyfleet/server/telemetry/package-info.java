/**
 * Telemetry on the controller (issue 8): MQTT ingest of hardware batches and benchmark reports
 * ({@link io.tinyfleet.server.telemetry.TelemetryIngest}), loss detection from sequence gaps
 * ({@link io.tinyfleet.server.telemetry.SequenceTracker}), storage with retention
 * ({@link io.tinyfleet.server.telemetry.TelemetryStore}), per-device Prometheus gauges
 * ({@link io.tinyfleet.server.telemetry.TelemetryMetrics}), live events for the dashboard
 * ({@link io.tinyfleet.server.telemetry.LiveFeed}) and the JSON API.
 */
package io.tinyfleet.server.telemetry;
