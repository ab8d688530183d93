/**
 * Device-side measurement: hardware telemetry and power/energy, every figure labelled with where
 * it came from ({@code measured:<sensor>}, {@code estimated:profile}) or unknown with the reason.
 *
 * <ul>
 *   <li>{@link io.tinyfleet.runtime.sensors.PowerSensors} finds power and energy sensors under a
 *       configurable sysfs root ({@link io.tinyfleet.runtime.hw.SystemRoots}): Intel/AMD RAPL
 *       (powercap), hwmon power/energy inputs, INA3221 rails of NVIDIA Jetson (hwmon and the older
 *       IIO layout), batteries; {@link io.tinyfleet.runtime.sensors.ProfileEstimate} estimates from the
 *       device profile where none can be read.</li>
 *   <li>{@link io.tinyfleet.runtime.sensors.PowerSampler} records a
 *       {@link io.tinyfleet.runtime.sensors.PowerTrace} around a workload; the trace gives energy
 *       (trapezoidal rule, or counter differences with wrap-around) and average power as an
 *       {@link io.tinyfleet.runtime.sensors.EnergyResult}, hence joules per inference.</li>
 *   <li>{@link io.tinyfleet.runtime.sensors.TelemetrySampler} produces the agent's 1 Hz
 *       {@link io.tinyfleet.runtime.sensors.TelemetrySnapshot}: per-core load, process CPU and RSS,
 *       memory, temperatures (thermal zones; OSHI only as a fallback, its 0.0 °C is unknown), power.</li>
 * </ul>
 */
package io.tinyfleet.runtime.sensors;
