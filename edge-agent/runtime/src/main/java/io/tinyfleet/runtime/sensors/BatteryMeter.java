package io.tinyfleet.runtime.sensors;

import java.nio.file.Path;

/**
 * The discharge rate of a battery ({@code /sys/class/power_supply/BAT*}), which is the power the
 * whole system draws while it runs on battery: {@code power_now} in µW, or
 * {@code current_now} (µA) × {@code voltage_now} (µV). While the battery charges or is full the
 * rate says nothing about the system, so the reading is unknown with the status as reason.
 */
final class BatteryMeter implements PowerMeter {

    private final Sysfs fs;
    private final Path dir;
    private final String name;

    BatteryMeter(Sysfs fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
        this.name = dir.getFileName().toString();
    }

    @Override
    public String sensor() {
        return "battery:" + name;
    }

    @Override
    public Reading.Origin origin() {
        return Reading.Origin.MEASURED;
    }

    @Override
    public Kind kind() {
        return Kind.INSTANT_WATTS;
    }

    @Override
    public double read() throws SensorReadException {
        String status = fs.text(dir.resolve("status"));
        if (!status.equalsIgnoreCase("Discharging")) {
            throw new SensorReadException(name + " is " + status
                    + ", not Discharging: its rate does not measure the system's power");
        }
        try {
            return Math.abs(fs.integer(dir.resolve("power_now"))) / 1e6;
        } catch (SensorReadException noPower) {
            long ua = fs.integer(dir.resolve("current_now"));
            long uv = fs.integer(dir.resolve("voltage_now"));
            return Math.abs(ua * (double) uv) / 1e12;
        }
    }
}
