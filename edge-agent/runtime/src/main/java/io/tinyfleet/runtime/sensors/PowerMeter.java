package io.tinyfleet.runtime.sensors;

/**
 * A source of power or energy figures for a whole device or a part of it (CPU package, a supply
 * rail, the battery), read by {@link PowerSampler} during a workload and by
 * {@link TelemetrySampler} once a second.
 *
 * <p>A meter is either instantaneous ({@link Kind#INSTANT_WATTS}: INA3221 rails, hwmon
 * {@code power*_input}, battery discharge rate), integrated with the trapezoidal rule, or a
 * cumulative energy counter ({@link Kind#CUMULATIVE_JOULES}: RAPL {@code energy_uj}, hwmon
 * {@code energy*_input}, the profile estimate), whose differences give energy exactly. Meters are
 * safe to read from several threads: a cumulative meter's value does not depend on who read it
 * before.
 */
public interface PowerMeter {

    /** What {@link #read()} returns. */
    enum Kind {
        /** Power now, in watts. */
        INSTANT_WATTS,
        /** Energy since an arbitrary origin, in joules; may wrap at {@link #wrapJoules()}. */
        CUMULATIVE_JOULES
    }

    /** The sensor, e.g. {@code rapl:package-0}, {@code ina3221:VDD_IN}, {@code profile}. */
    String sensor();

    /** {@link Reading.Origin#MEASURED} for hardware, {@link Reading.Origin#ESTIMATED} for the profile. */
    Reading.Origin origin();

    /** The label every figure from this meter carries: {@code measured:rapl:package-0}, {@code estimated:profile}. */
    default String source() {
        return origin().prefix() + ":" + sensor();
    }

    /** Whether {@link #read()} gives watts or a cumulative energy in joules. */
    Kind kind();

    /**
     * For a cumulative counter, the value (J) at which it restarts from zero (RAPL's
     * {@code max_energy_range_uj}); 0 when it never wraps or the meter unwraps it itself.
     */
    default double wrapJoules() {
        return 0;
    }

    /**
     * Reads the meter: watts for {@link Kind#INSTANT_WATTS}, joules for
     * {@link Kind#CUMULATIVE_JOULES}.
     *
     * @throws SensorReadException with the reason when the sensor cannot be read now (file gone,
     *                             permission denied, battery not discharging, not a number)
     */
    double read() throws SensorReadException;
}
