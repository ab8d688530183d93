package io.tinyfleet.runtime.sensors;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Temperatures from {@code /sys/class/thermal/thermal_zone*}: {@code temp} in milli-°C, named by
 * {@code type} (sensor {@code thermal:<type>}). Read directly because OSHI reports missing or wrong
 * values on ARM boards such as the Raspberry Pi (oshi issues 347 and 1023) and 0.0 °C on VMs. A zone
 * that cannot be read, or reads outside −40…150 °C, is unknown with the reason. The zones are found
 * once; each {@link #read()} reads only their {@code temp} files.
 */
final class Thermal {

    /** Zone types that name the CPU or SoC die, in the order they are preferred. */
    private static final Pattern CPU_ZONE = Pattern.compile("(?i).*(x86_pkg_temp|cpu|soc|tcpu).*");
    static final double MIN_CELSIUS = -40;
    static final double MAX_CELSIUS = 150;

    private record Zone(Path temp, String sensor) {
    }

    private final Sysfs fs;
    private final List<Zone> zones = new ArrayList<>();
    private final Path root;

    Thermal(Sysfs fs, Path sysRoot) {
        this.fs = fs;
        this.root = sysRoot.resolve("class/thermal");
        Map<String, Integer> seen = new HashMap<>();
        for (Path z : PowerSensors.sortedByNumber(PowerSensors.list(root), "thermal_zone")) {
            String type = fs.textOr(z.resolve("type"), z.getFileName().toString());
            int n = seen.merge(type, 1, Integer::sum);
            String sensor = "thermal:" + type + (n > 1 ? "#" + n : "");
            zones.add(new Zone(z.resolve("temp"), sensor));
        }
    }

    /** Whether any thermal zone exists. */
    boolean any() {
        return !zones.isEmpty();
    }

    /** One reading per zone, in °C. */
    List<Reading> read() {
        List<Reading> out = new ArrayList<>(zones.size());
        for (Zone z : zones) {
            try {
                double c = fs.integer(z.temp()) / 1000.0;
                out.add(plausible(z.sensor(), c, z.temp().toString()));
            } catch (SensorReadException e) {
                out.add(Reading.unknown(z.sensor(), e.getMessage()));
            }
        }
        return out;
    }

    static Reading plausible(String sensor, double celsius, String where) {
        if (!(celsius >= MIN_CELSIUS && celsius <= MAX_CELSIUS)) {
            return Reading.unknown(sensor, "implausible temperature " + celsius + " °C from " + where);
        }
        return Reading.measured(sensor, celsius);
    }

    /**
     * The CPU temperature: the first known zone whose type names the CPU or SoC, else the first
     * known zone, else OSHI's value unless it is 0.0 or implausible (OSHI's "no sensor"), else unknown.
     */
    Reading cpu(List<Reading> zoneReadings, OptionalDouble oshiCelsius) {
        for (Reading r : zoneReadings) {
            if (r.isKnown() && CPU_ZONE.matcher(r.sensor()).matches()) {
                return r;
            }
        }
        for (Reading r : zoneReadings) {
            if (r.isKnown()) {
                return r;
            }
        }
        String why = zones.isEmpty() ? "no thermal zone under " + root : "no thermal zone could be read";
        if (oshiCelsius.isPresent()) {
            double c = oshiCelsius.getAsDouble();
            if (c != 0.0 && c >= MIN_CELSIUS && c <= MAX_CELSIUS) {
                return Reading.measured("oshi:cpu", c);
            }
            return Reading.unknown("cpu", why + ", and OSHI reports " + c + " °C, its value for no sensor");
        }
        return Reading.unknown("cpu", why);
    }
}
