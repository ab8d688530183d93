/**
 * What hardware the process runs on: CPU, memory, OS, board.
 *
 * <p>{@link io.tinyfleet.runtime.hw.HardwareProbe} reads procfs/sysfs under configurable roots
 * ({@link io.tinyfleet.runtime.hw.SystemRoots}) so tests, containers that mount the host's
 * {@code /proc} elsewhere, and later sensor readers (hwmon, RAPL, INA3221) share one way of
 * locating files; OSHI fills in whatever those files do not say (and everything off Linux).
 * A value that cannot be read is reported as unknown, never guessed.
 */
package io.tinyfleet.runtime.hw;
