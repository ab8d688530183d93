package io.tinyfleet.runtime.sensors;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Intel/AMD RAPL energy counters from the Linux powercap interface
 * ({@code /sys/class/powercap/intel-rapl:N/energy_uj}, µJ, restarting from 0 after
 * {@code max_energy_range_uj}). One zone is returned raw with its range, so traces unwrap it; several
 * zones (one package per socket) are summed here, each unwrapped on its own, into one monotonic
 * counter. On Linux 5.10 and later {@code energy_uj} is readable by root only (CVE-2020-8694), which
 * the scan reports as unknown with that reason.
 */
final class RaplMeter implements PowerMeter {

    /** One powercap zone. */
    record Zone(Path dir, String name, long maxRangeMicrojoules) {
    }

    private final Sysfs fs;
    private final List<Zone> zones;
    private final String sensor;
    private final double[] last;
    private double total;
    private boolean primed;

    RaplMeter(Sysfs fs, List<Zone> zones) {
        if (zones.isEmpty()) {
            throw new IllegalArgumentException("RAPL meter needs at least one zone");
        }
        this.fs = fs;
        this.zones = List.copyOf(zones);
        this.sensor = "rapl:" + zones.stream().map(Zone::name).collect(Collectors.joining("+"));
        this.last = new double[zones.size()];
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
        return Kind.CUMULATIVE_JOULES;
    }

    @Override
    public double wrapJoules() {
        return zones.size() == 1 ? zones.get(0).maxRangeMicrojoules() / 1e6 : 0;
    }

    static double readZone(Sysfs fs, Zone z) throws SensorReadException {
        return fs.integer(z.dir().resolve("energy_uj")) / 1e6;
    }

    @Override
    public synchronized double read() throws SensorReadException {
        if (zones.size() == 1) {
            return readZone(fs, zones.get(0));
        }
        double[] now = new double[zones.size()];
        for (int i = 0; i < now.length; i++) {
            now[i] = readZone(fs, zones.get(i));
        }
        if (primed) {
            for (int i = 0; i < now.length; i++) {
                total += Energy.counterDelta(last[i], now[i], zones.get(i).maxRangeMicrojoules() / 1e6);
            }
        }
        System.arraycopy(now, 0, last, 0, now.length);
        primed = true;
        return total;
    }
}
