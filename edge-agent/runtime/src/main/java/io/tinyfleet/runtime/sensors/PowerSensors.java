package io.tinyfleet.runtime.sensors;

import io.tinyfleet.runtime.hw.SystemRoots;
import io.tinyfleet.runtime.profile.DeviceProfile;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the power and energy sensors a Linux device exposes under its sysfs root and picks the one
 * that best measures the whole device (the {@link #primary()} meter):
 * <ol>
 *   <li>an INA3221 rail that carries the module's input ({@code VDD_IN}, {@code POM_5V_IN},
 *       {@code VIN_SYS_5V0}) — Jetson, both the hwmon and the older IIO layout;</li>
 *   <li>RAPL: {@code psys} if present, else the sum of the {@code package-N} zones (CPU packages
 *       only — the label says so);</li>
 *   <li>an AMD socket energy counter from hwmon ({@code amd_energy}/{@code zenergy},
 *       label {@code Esocket*});</li>
 *   <li>a battery that is discharging.</li>
 * </ol>
 * Other hwmon power inputs (a GPU's {@code power1_average}, single rails) are listed in
 * {@link #meters()} but never stand for the whole device. Sensors that exist but cannot be read
 * (RAPL without root, a charging battery, a file that does not hold a number) are listed in
 * {@link #unavailable()} with the reason. With no usable sensor, {@link #meterOrEstimate} falls back
 * to {@link ProfileEstimate} when a device profile is known; otherwise power stays unknown.
 */
public final class PowerSensors {

    /** INA3221 rail names that carry the whole module's input power. */
    static final Set<String> INPUT_RAILS = Set.of("VDD_IN", "POM_5V_IN", "VIN_SYS_5V0", "5V_IN");

    private static final Pattern RAPL_ZONE = Pattern.compile("intel-rapl:(\\d+)(?::(\\d+))?");
    private static final Pattern HWMON_POWER = Pattern.compile("power(\\d+)_(input|average)");
    private static final Pattern HWMON_ENERGY = Pattern.compile("energy(\\d+)_input");
    private static final String RAPL_ROOT_ONLY =
            " (RAPL energy_uj is readable by root only since Linux 5.10, CVE-2020-8694)";

    private final SystemRoots roots;
    private final Sysfs fs;
    private final List<PowerMeter> meters = new ArrayList<>();
    private final List<Reading> unavailable = new ArrayList<>();
    private PowerMeter primary;

    private PowerSensors(SystemRoots roots, Sysfs fs) {
        this.roots = roots;
        this.fs = fs;
    }

    /** Scans {@code roots.sys()} (powercap, hwmon, ina3221x, power_supply). Never throws for missing files. */
    public static PowerSensors scan(SystemRoots roots) {
        return scan(roots, Sysfs.host());
    }

    static PowerSensors scan(SystemRoots roots, Sysfs fs) {
        PowerSensors s = new PowerSensors(roots, fs);
        PowerMeter ina = s.scanHwmonAndIna3221();
        PowerMeter rapl = s.scanRapl();
        PowerMeter amdSocket = s.amdSocket();
        PowerMeter battery = s.scanBatteries();
        s.primary = ina != null ? ina : rapl != null ? rapl : amdSocket != null ? amdSocket : battery;
        return s;
    }

    /** Every sensor that could be read when scanned, whole-device or not. */
    public List<PowerMeter> meters() {
        return List.copyOf(meters);
    }

    /** Sensors that exist but could not be read, each with the reason. */
    public List<Reading> unavailable() {
        return List.copyOf(unavailable);
    }

    /** The meter that best measures the whole device, if any sensor does. */
    public Optional<PowerMeter> primary() {
        return Optional.ofNullable(primary);
    }

    /**
     * The primary meter, else an estimate from {@code profile} (CPU utilisation from
     * {@code roots.proc()/stat}), else empty; {@link #whyUnknown} says why it is empty.
     */
    public Optional<PowerMeter> meterOrEstimate(Optional<DeviceProfile> profile) {
        if (primary != null) {
            return Optional.of(primary);
        }
        if (profile.isPresent()) {
            try {
                return Optional.of(new ProfileEstimate(profile.get(), fs, roots.proc().resolve("stat"), System::nanoTime));
            } catch (SensorReadException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** Why {@link #meterOrEstimate} is empty: no sensor, the unreadable ones, and the missing profile or /proc/stat. */
    public String whyUnknown(Optional<DeviceProfile> profile) {
        StringBuilder why = new StringBuilder("no readable power sensor (RAPL, hwmon, INA3221, discharging battery) under "
                + roots.sys());
        for (Reading r : unavailable) {
            why.append("; ").append(r.sensor()).append(": ").append(r.reason());
        }
        if (profile.isEmpty()) {
            why.append("; no device profile to estimate from");
        } else {
            try {
                CpuTicks.read(fs, roots.proc().resolve("stat"));
            } catch (SensorReadException e) {
                why.append("; cannot estimate from profile ").append(profile.get().id()).append(": ").append(e.getMessage());
            }
        }
        return why.toString();
    }

    /** Reads every meter once: watts for instantaneous meters, the counter (J) for cumulative ones. */
    public List<Reading> readAll() {
        List<Reading> out = new ArrayList<>();
        for (PowerMeter m : meters) {
            try {
                out.add(new Reading(m.origin(), m.sensor(), java.util.OptionalDouble.of(m.read()), ""));
            } catch (SensorReadException e) {
                out.add(Reading.unknown(m.sensor(), e.getMessage()));
            }
        }
        return out;
    }

    private PowerMeter scanRapl() {
        Path powercap = roots.sys().resolve("class/powercap");
        record Found(int pkg, int sub, Path dir) {
        }
        List<Found> found = new ArrayList<>();
        for (Path dir : list(powercap)) {
            Matcher m = RAPL_ZONE.matcher(dir.getFileName().toString());
            if (m.matches() && Files.isDirectory(dir)) {
                found.add(new Found(Integer.parseInt(m.group(1)), m.group(2) == null ? -1 : Integer.parseInt(m.group(2)), dir));
            }
        }
        found.sort(Comparator.comparingInt(Found::pkg).thenComparingInt(Found::sub));
        List<RaplMeter.Zone> packages = new ArrayList<>();
        RaplMeter.Zone psys = null;
        String parent = "";
        for (Found f : found) {
            String name = fs.textOr(f.dir().resolve("name"), f.dir().getFileName().toString());
            if (f.sub() < 0) {
                parent = name;
            } else {
                name = parent + "/" + name;
            }
            long range;
            try {
                range = fs.integer(f.dir().resolve("max_energy_range_uj"));
            } catch (SensorReadException e) {
                range = 0;
            }
            RaplMeter.Zone zone = new RaplMeter.Zone(f.dir(), name, range);
            try {
                RaplMeter.readZone(fs, zone);
            } catch (SensorReadException e) {
                String reason = e.getMessage();
                unavailable.add(Reading.unknown("rapl:" + name,
                        reason.startsWith("permission denied") ? reason + RAPL_ROOT_ONLY : reason));
                continue;
            }
            meters.add(new RaplMeter(fs, List.of(zone)));
            if (f.sub() < 0 && name.equals("psys")) {
                psys = zone;
            } else if (f.sub() < 0 && name.startsWith("package")) {
                packages.add(zone);
            }
        }
        if (psys != null) {
            return new RaplMeter(fs, List.of(psys));
        }
        return packages.isEmpty() ? null : new RaplMeter(fs, packages);
    }

    private PowerMeter scanHwmonAndIna3221() {
        PowerMeter input = null;
        for (Path hw : sortedByNumber(list(roots.sys().resolve("class/hwmon")), "hwmon")) {
            Path attrs = Files.exists(hw.resolve("name")) ? hw : hw.resolve("device");
            String chip = fs.textOr(attrs.resolve("name"), hw.getFileName().toString());
            if (chip.equals("ina3221")) {
                for (int ch = 1; ch <= 3; ch++) {
                    if (!Files.exists(attrs.resolve("in" + ch + "_input"))) {
                        continue;
                    }
                    String label = fs.textOr(attrs.resolve("in" + ch + "_label"), hw.getFileName() + ":in" + ch);
                    if (label.equalsIgnoreCase("NC")) {
                        continue; // channel not connected
                    }
                    if (fs.textOr(attrs.resolve("in" + ch + "_enable"), "1").equals("0")) {
                        unavailable.add(Reading.unknown("ina3221:" + label, "channel disabled: "
                                + attrs.resolve("in" + ch + "_enable") + " is 0"));
                        continue;
                    }
                    Ina3221Rail rail = Ina3221Rail.hwmon(fs, attrs, ch, label);
                    input = addIfReadable(rail, input);
                }
                continue;
            }
            for (Path f : list(attrs)) {
                String file = f.getFileName().toString();
                Matcher p = HWMON_POWER.matcher(file);
                Matcher e = HWMON_ENERGY.matcher(file);
                if (p.matches()) {
                    if (p.group(2).equals("average") && Files.exists(attrs.resolve("power" + p.group(1) + "_input"))) {
                        continue; // prefer _input when both exist
                    }
                    String label = fs.textOr(attrs.resolve("power" + p.group(1) + "_label"), "power" + p.group(1));
                    addIfReadable(new HwmonMeter(fs, f, "hwmon:" + chip + ":" + label, PowerMeter.Kind.INSTANT_WATTS), null);
                } else if (e.matches()) {
                    String label = fs.textOr(attrs.resolve("energy" + e.group(1) + "_label"), "energy" + e.group(1));
                    addIfReadable(new HwmonMeter(fs, f, "hwmon:" + chip + ":" + label, PowerMeter.Kind.CUMULATIVE_JOULES), null);
                }
            }
        }
        for (Path dev : list(roots.sys().resolve("bus/i2c/drivers/ina3221x"))) {
            for (Path iio : list(dev)) {
                if (!iio.getFileName().toString().startsWith("iio:device")) {
                    continue;
                }
                for (int ch = 0; ch < 3; ch++) {
                    if (!Files.exists(iio.resolve("in_power" + ch + "_input"))) {
                        continue;
                    }
                    String rail = fs.textOr(iio.resolve("rail_name_" + ch), dev.getFileName() + ":" + ch);
                    input = addIfReadable(Ina3221Rail.iio(fs, iio, ch, rail), input);
                }
            }
        }
        return input;
    }

    /** Adds a readable rail to {@link #meters}; returns it if it is the first input rail, else {@code input}. */
    private PowerMeter addIfReadable(PowerMeter m, PowerMeter input) {
        try {
            m.read();
        } catch (SensorReadException e) {
            unavailable.add(Reading.unknown(m.sensor(), e.getMessage()));
            return input;
        }
        meters.add(m);
        if (input == null && m instanceof Ina3221Rail rail
                && INPUT_RAILS.contains(rail.rail().toUpperCase(Locale.ROOT))) {
            return m;
        }
        return input;
    }

    private PowerMeter amdSocket() {
        for (PowerMeter m : meters) {
            if (m instanceof HwmonMeter && m.kind() == PowerMeter.Kind.CUMULATIVE_JOULES
                    && (m.sensor().startsWith("hwmon:amd_energy:Esocket") || m.sensor().startsWith("hwmon:zenergy:Esocket"))) {
                return m;
            }
        }
        return null;
    }

    private PowerMeter scanBatteries() {
        PowerMeter discharging = null;
        for (Path ps : list(roots.sys().resolve("class/power_supply"))) {
            if (!fs.textOr(ps.resolve("type"), "").equals("Battery")
                    || fs.textOr(ps.resolve("scope"), "System").equals("Device")) {
                continue; // mains adapter, or a mouse's battery
            }
            BatteryMeter b = new BatteryMeter(fs, ps);
            meters.add(b);
            try {
                b.read();
                if (discharging == null) {
                    discharging = b;
                }
            } catch (SensorReadException e) {
                unavailable.add(Reading.unknown(b.sensor(), e.getMessage()));
            }
        }
        return discharging;
    }

    static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (IOException | SecurityException e) {
            return out;
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    /** {@code prefixN} entries ordered by N (hwmon10 after hwmon9). */
    static List<Path> sortedByNumber(List<Path> paths, String prefix) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            String n = p.getFileName().toString();
            if (n.startsWith(prefix) && n.length() > prefix.length() && n.substring(prefix.length()).chars().allMatch(Character::isDigit)) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(prefix.length()))));
        return out;
    }
}
