package io.tinyfleet.runtime.sensors;

/**
 * A sensor file could not be read or did not hold a number; the message is the reason that an
 * unknown {@link Reading} carries (e.g. "permission denied: /sys/class/powercap/intel-rapl:0/energy_uj").
 */
public final class SensorReadException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param reason one line saying what could not be read and why */
    public SensorReadException(String reason) {
        super(reason);
    }
}
