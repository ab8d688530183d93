package io.tinyfleet.runtime.sensors;

import java.nio.file.Path;

/**
 * One rail of a TI INA3221 power monitor on an NVIDIA Jetson (sensor {@code ina3221:<rail>}).
 * Two layouts exist:
 * <ul>
 *   <li>mainline hwmon driver (JetPack 5/6: Orin, Xavier): {@code hwmonN/name} = {@code ina3221},
 *       {@code in[123]_label} rail names such as {@code VDD_IN}, {@code in[123]_input} bus voltage
 *       in mV and {@code curr[123]_input} in mA, so W = mV·mA/10⁶;</li>
 *   <li>NVIDIA's older IIO driver (JetPack 4: Nano, TX2):
 *       {@code /sys/bus/i2c/drivers/ina3221x/<i2c device>/iio:device<N>/rail_name_<K>} and
 *       {@code in_power<K>_input} in mW.</li>
 * </ul>
 */
final class Ina3221Rail implements PowerMeter {

    private final Sysfs fs;
    private final String rail;
    private final Path voltage;
    private final Path current;
    private final Path powerMilliwatts;

    private Ina3221Rail(Sysfs fs, String rail, Path voltage, Path current, Path powerMilliwatts) {
        this.fs = fs;
        this.rail = rail;
        this.voltage = voltage;
        this.current = current;
        this.powerMilliwatts = powerMilliwatts;
    }

    /** A hwmon channel: {@code in<ch>_input} (mV) × {@code curr<ch>_input} (mA). */
    static Ina3221Rail hwmon(Sysfs fs, Path dir, int channel, String rail) {
        return new Ina3221Rail(fs, rail, dir.resolve("in" + channel + "_input"), dir.resolve("curr" + channel + "_input"), null);
    }

    /** An IIO channel: {@code in_power<ch>_input} (mW). */
    static Ina3221Rail iio(Sysfs fs, Path dir, int channel, String rail) {
        return new Ina3221Rail(fs, rail, null, null, dir.resolve("in_power" + channel + "_input"));
    }

    String rail() {
        return rail;
    }

    @Override
    public String sensor() {
        return "ina3221:" + rail;
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
        if (powerMilliwatts != null) {
            return fs.integer(powerMilliwatts) / 1e3;
        }
        long mv = fs.integer(voltage);
        long ma = fs.integer(current);
        return mv * (double) ma / 1e6;
    }
}
