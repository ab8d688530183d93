package io.tinyfleet.runtime.sensors;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One figure from a sensor, labelled with where it came from: measured by a named sensor,
 * estimated from the device profile, or unknown with the reason. A sensor that cannot be read
 * yields {@link #unknown}, never a made-up number.
 *
 * @param origin whether the value was measured, estimated, or is unknown
 * @param sensor the sensor, e.g. {@code rapl:package-0}, {@code ina3221:VDD_IN},
 *               {@code battery:BAT0}, {@code thermal:cpu-thermal}, {@code profile}
 * @param value  the value in the unit the producing method names (W, J, °C); empty when unknown
 * @param reason why the value is unknown; empty when known
 */
public record Reading(Origin origin, String sensor, OptionalDouble value, String reason) {

    /** Where a figure came from. */
    public enum Origin {
        /** Read from a hardware sensor. */
        MEASURED("measured"),
        /** Computed from the device profile, not read from hardware. */
        ESTIMATED("estimated"),
        /** Could not be read; {@link Reading#reason()} says why. */
        UNKNOWN("unknown");

        private final String prefix;

        Origin(String prefix) {
            this.prefix = prefix;
        }

        /** {@code measured}, {@code estimated} or {@code unknown}. */
        public String prefix() {
            return prefix;
        }
    }

    /** Checks that known readings are finite and unknown ones carry a reason. */
    public Reading {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(sensor, "sensor");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(reason, "reason");
        if (origin == Origin.UNKNOWN) {
            if (value.isPresent()) {
                throw new IllegalArgumentException("an unknown reading has no value");
            }
            if (reason.isBlank()) {
                throw new IllegalArgumentException("an unknown reading needs a reason");
            }
        } else if (value.isEmpty() || !Double.isFinite(value.getAsDouble())) {
            throw new IllegalArgumentException("a " + origin.prefix() + " reading needs a finite value, got " + value);
        }
    }

    /** A value read from {@code sensor}. */
    public static Reading measured(String sensor, double value) {
        return new Reading(Origin.MEASURED, sensor, OptionalDouble.of(value), "");
    }

    /** A value computed from the device profile (sensor {@code profile}). */
    public static Reading estimated(double value) {
        return new Reading(Origin.ESTIMATED, "profile", OptionalDouble.of(value), "");
    }

    /** {@code sensor} could not be read, because {@code reason}. */
    public static Reading unknown(String sensor, String reason) {
        return new Reading(Origin.UNKNOWN, sensor, OptionalDouble.empty(), reason);
    }

    /** Whether there is a value (measured or estimated). */
    public boolean isKnown() {
        return origin != Origin.UNKNOWN;
    }

    /**
     * The label every figure carries: {@code measured:rapl:package-0}, {@code estimated:profile},
     * or {@code unknown:battery:BAT0}.
     */
    public String source() {
        return origin.prefix() + ":" + sensor;
    }

    /** The same reading with its value mapped (e.g. unit conversion); unknown stays unknown. */
    public Reading map(java.util.function.DoubleUnaryOperator f) {
        return isKnown() ? new Reading(origin, sensor, OptionalDouble.of(f.applyAsDouble(value.getAsDouble())), "") : this;
    }

    /** JSON-friendly form: {@code {source, value}} or {@code {source, reason}}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source());
        if (isKnown()) {
            m.put("value", value.getAsDouble());
        } else {
            m.put("reason", reason);
        }
        return m;
    }

    @Override
    public String toString() {
        return isKnown() ? source() + "=" + value.getAsDouble() : source() + " (" + reason + ")";
    }
}
