package io.tinyfleet.runtime.sensors;

import java.nio.file.Path;

/**
 * A generic hwmon power or energy input: {@code power*_input} (or {@code power*_average}) in µW,
 * or {@code energy*_input} in µJ (a counter that does not wrap in practice: 64 bits of µJ).
 * Sensor names are {@code hwmon:<chip name>:<label or attribute>}.
 */
final class HwmonMeter implements PowerMeter {

    private final Sysfs fs;
    private final Path file;
    private final String sensor;
    private final Kind kind;

    HwmonMeter(Sysfs fs, Path file, String sensor, Kind kind) {
        this.fs = fs;
        this.file = file;
        this.sensor = sensor;
        this.kind = kind;
    }

    @Override
    public String sensor() {
        return sensor;
    }

    @Override
    public Reading.Origin origin() {
        return Reading.Origin.MEASURED;
    }

    @Override
    public Kind kind() {
        return kind;
    }

    @Override
    public double read() throws SensorReadException {
        return fs.integer(file) / 1e6;
    }
}
