/**
 * Agent telemetry (issue 8): periodic batched hardware samples with sequence numbers
 * ({@link io.tinyfleet.agent.telemetry.TelemetryPublisher}), the on-device benchmark with energy per
 * inference ({@link io.tinyfleet.agent.telemetry.OnDeviceBenchmark}), emulation of a device profile
 * ({@link io.tinyfleet.agent.telemetry.Emulation}) and the MQTT glue
 * ({@link io.tinyfleet.agent.telemetry.TelemetryAgent}).
 */
package io.tinyfleet.agent.telemetry;
