package io.tinyfleet.agent.config;

import io.tinyfleet.proto.Topics;
import io.tinyfleet.runtime.hw.SystemRoots;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Everything the agent needs to run, validated. Keys and defaults are documented in
 * {@code edge-agent/agent/agent.properties}; the same keys are used for command-line overrides.
 *
 * @param brokerUrl         MQTT broker, {@code tcp://host:port}
 * @param deviceId          the device's id (also its MQTT client id)
 * @param home              folder for the agent's state
 * @param profile           device profile file, or null
 * @param heartbeatInterval heartbeat period
 * @param keepAliveS        MQTT keep-alive in seconds
 * @param connectTimeoutS   timeout of one connection attempt in seconds
 * @param reconnectMinDelay first reconnect delay
 * @param reconnectMaxDelay longest reconnect delay
 * @param roots             procfs/sysfs/etc roots for the hardware inventory
 * @param tags              tags the agent declares at registration (rollouts target them with {@code tag:T}),
 *                          sorted, without duplicates
 */
public record AgentConfig(
        String brokerUrl,
        String deviceId,
        Path home,
        Path profile,
        Duration heartbeatInterval,
        int keepAliveS,
        int connectTimeoutS,
        Duration reconnectMinDelay,
        Duration reconnectMaxDelay,
        SystemRoots roots,
        java.util.List<String> tags) {

    /** Keys of the properties file. */
    public static final String BROKER = "broker";
    public static final String ID = "id";
    public static final String HOME = "home";
    public static final String PROFILE = "profile";
    public static final String HEARTBEAT_S = "heartbeat.interval.s";
    public static final String KEEPALIVE_S = "mqtt.keepalive.s";
    public static final String CONNECT_TIMEOUT_S = "mqtt.connect.timeout.s";
    public static final String RECONNECT_MIN_MS = "reconnect.min.delay.ms";
    public static final String RECONNECT_MAX_MS = "reconnect.max.delay.ms";
    public static final String PROCFS_ROOT = "procfs.root";
    public static final String SYSFS_ROOT = "sysfs.root";
    public static final String ETC_ROOT = "etc.root";
    /** Comma-separated tags, e.g. {@code lab,eu-west} (the agent's {@code --tag} flags end up here). */
    public static final String TAGS = "tags";

    private static final Set<String> KEYS = Set.of(BROKER, ID, HOME, PROFILE, HEARTBEAT_S, KEEPALIVE_S,
            CONNECT_TIMEOUT_S, RECONNECT_MIN_MS, RECONNECT_MAX_MS, PROCFS_ROOT, SYSFS_ROOT, ETC_ROOT, TAGS);

    /** Defaults of the optional keys (the same values as the documented file). */
    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(HEARTBEAT_S, "10");
        d.put(KEEPALIVE_S, "30");
        d.put(CONNECT_TIMEOUT_S, "10");
        d.put(RECONNECT_MIN_MS, "500");
        d.put(RECONNECT_MAX_MS, "30000");
        d.put(PROCFS_ROOT, "/proc");
        d.put(SYSFS_ROOT, "/sys");
        d.put(ETC_ROOT, "/etc");
        return d;
    }

    /**
     * Reads {@code file} (may be null), then applies {@code overrides} (non-null values win).
     *
     * @throws IllegalArgumentException naming the file and key of a bad value
     */
    public static AgentConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> values = defaults();
        String origin = "command line";
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException("agent config " + file + ": cannot read: " + e.getMessage(), e);
            }
            for (String k : p.stringPropertyNames()) {
                if (!KEYS.contains(k)) {
                    throw new IllegalArgumentException("agent config " + file + ": unknown key '" + k
                            + "'; known keys: " + KEYS.stream().sorted().toList());
                }
                values.put(k, p.getProperty(k).trim());
            }
            origin = file.toString();
        }
        overrides.forEach((k, v) -> {
            if (v != null) {
                values.put(k, v);
            }
        });
        return of(values, origin);
    }

    /**
     * Builds a config from key/value pairs (defaults for missing optional keys).
     *
     * @throws IllegalArgumentException "agent config ORIGIN: 'mqtt.keepalive.s' must be ..."
     */
    public static AgentConfig of(Map<String, String> given, String origin) {
        Map<String, String> v = defaults();
        given.forEach((k, val) -> {
            if (val != null) {
                v.put(k, val);
            }
        });
        String broker = required(v, BROKER, origin);
        checkBroker(broker, origin);
        String id = required(v, ID, origin);
        if (!Topics.isValidDeviceId(id)) {
            throw bad(origin, ID, "must be 1-64 characters from A-Z a-z 0-9 . _ -, got '" + id + "'");
        }
        Path home = Path.of(required(v, HOME, origin));
        String profile = v.get(PROFILE);
        long minMs = positive(v, RECONNECT_MIN_MS, origin);
        long maxMs = positive(v, RECONNECT_MAX_MS, origin);
        if (maxMs < minMs) {
            throw bad(origin, RECONNECT_MAX_MS, "must be >= " + RECONNECT_MIN_MS + " (" + minMs + "), got " + maxMs);
        }
        return new AgentConfig(broker, id, home,
                profile == null || profile.isBlank() ? null : Path.of(profile.trim()),
                Duration.ofSeconds(positive(v, HEARTBEAT_S, origin)),
                (int) positive(v, KEEPALIVE_S, origin),
                (int) positive(v, CONNECT_TIMEOUT_S, origin),
                Duration.ofMillis(minMs), Duration.ofMillis(maxMs),
                new SystemRoots(Path.of(v.get(PROCFS_ROOT)), Path.of(v.get(SYSFS_ROOT)), Path.of(v.get(ETC_ROOT))),
                tags(v.get(TAGS), origin));
    }

    /**
     * Parses a comma-separated tag list: blanks are skipped, duplicates dropped, result sorted.
     *
     * @throws IllegalArgumentException naming the bad tag and the allowed characters
     */
    static java.util.List<String> tags(String csv, String origin) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        if (csv != null) {
            for (String t : csv.split(",")) {
                String tag = t.strip();
                if (tag.isEmpty()) {
                    continue;
                }
                if (!Topics.isValidDeviceId(tag)) {
                    throw bad(origin, TAGS, "has an invalid tag '" + tag
                            + "': use 1-64 characters from A-Z a-z 0-9 . _ -");
                }
                out.add(tag);
            }
        }
        return java.util.List.copyOf(out);
    }

    private static void checkBroker(String url, String origin) {
        try {
            URI u = new URI(url);
            if (!"tcp".equals(u.getScheme()) || u.getHost() == null || u.getPort() <= 0) {
                throw bad(origin, BROKER, "must look like tcp://host:port, got '" + url + "'");
            }
        } catch (java.net.URISyntaxException e) {
            throw bad(origin, BROKER, "must look like tcp://host:port, got '" + url + "'");
        }
    }

    private static String required(Map<String, String> v, String key, String origin) {
        String s = v.get(key);
        if (s == null || s.isBlank()) {
            throw bad(origin, key, "is required");
        }
        return s.trim();
    }

    private static long positive(Map<String, String> v, String key, String origin) {
        String s = required(v, key, origin);
        long n;
        try {
            n = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad(origin, key, "must be a whole number, got '" + s + "'");
        }
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw bad(origin, key, "must be > 0, got " + n);
        }
        return n;
    }

    private static IllegalArgumentException bad(String origin, String key, String rule) {
        return new IllegalArgumentException("agent config " + origin + ": '" + key + "' " + rule);
    }
}
