package io.tinyfleet.runtime.sensors;

import oshi.hardware.PowerSource;

import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Battery discharge rate through OSHI's {@link PowerSource} (sensor {@code battery:<name>}), the
 * fallback where {@code /sys/class/power_supply} does not exist (macOS, Windows, BSD). OSHI gives the
 * rate in mW, negative while discharging; a battery that is not discharging, or reports no rate, is
 * unknown with that reason.
 */
final class OshiBatteryMeter implements PowerMeter {

    private final PowerSource source;

    OshiBatteryMeter(PowerSource source) {
        this.source = source;
    }

    /**
     * The first OSHI power source that is discharging with a rate, if {@code roots} has no
     * {@code class/power_supply} (so sysfs could not have found it) and OSHI lists one.
     */
    static Optional<PowerMeter> fallback(java.nio.file.Path sysRoot, Supplier<List<PowerSource>> sources) {
        if (Files.isDirectory(sysRoot.resolve("class/power_supply"))) {
            return Optional.empty();
        }
        List<PowerSource> list;
        try {
            list = sources.get();
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
        for (PowerSource ps : list) {
            OshiBatteryMeter m = new OshiBatteryMeter(ps);
            try {
                m.read();
                return Optional.of(m);
            } catch (SensorReadException e) {
                // not discharging now: try the next
            }
        }
        return Optional.empty();
    }

    @Override
    public String sensor() {
        return "battery:" + source.getName();
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
    public synchronized double read() throws SensorReadException {
        source.updateAttributes();
        if (!source.isDischarging()) {
            throw new SensorReadException(source.getName() + " is not discharging (OSHI): its rate does not measure the system's power");
        }
        double mw = source.getPowerUsageRate();
        if (!Double.isFinite(mw) || mw == 0.0) {
            throw new SensorReadException("OSHI reports no discharge rate for " + source.getName());
        }
        return Math.abs(mw) / 1e3;
    }
}
