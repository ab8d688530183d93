package io.tinyfleet.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How to start a controller: the flags of {@code tinyfleet controller}.
 *
 * @param httpPort HTTP port (0: pick a free one)
 * @param mqttPort embedded broker port (0: pick a free one); ignored with an external broker
 * @param mqttBind address the embedded broker listens on
 * @param home     folder for the database, keys, artifacts and broker files
 * @param broker   external broker {@code tcp://host:port}, or null for the embedded one
 * @param dbUrl    JDBC URL ({@code jdbc:h2:...} or {@code jdbc:postgresql:...}), or null for H2 under home
 * @param extra    further Micronaut properties (tests: shorter ticks)
 */
public record ControllerOptions(int httpPort, int mqttPort, String mqttBind, Path home, String broker,
                                String dbUrl, Map<String, Object> extra) {

    /** Checks values and copies {@code extra}. */
    public ControllerOptions {
        Objects.requireNonNull(home, "home");
        mqttBind = mqttBind == null || mqttBind.isBlank() ? "127.0.0.1" : mqttBind;
        extra = extra == null ? Map.of() : Map.copyOf(extra);
        checkPort("--http-port", httpPort);
        checkPort("--mqtt-port", mqttPort);
        if (broker != null) {
            checkBrokerUrl(broker);
        }
        if (dbUrl != null && !dbUrl.startsWith("jdbc:h2:") && !dbUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("--db: unsupported JDBC URL '" + dbUrl
                    + "'; use jdbc:h2:... or jdbc:postgresql://host:port/database");
        }
    }

    /** Embedded broker, H2 under {@code home}, the given ports. */
    public static ControllerOptions of(int httpPort, int mqttPort, Path home) {
        return new ControllerOptions(httpPort, mqttPort, "127.0.0.1", home, null, null, Map.of());
    }

    /** A copy with an external broker. */
    public ControllerOptions withBroker(String url) {
        return new ControllerOptions(httpPort, mqttPort, mqttBind, home, url, dbUrl, extra);
    }

    /** A copy with a database URL. */
    public ControllerOptions withDb(String url) {
        return new ControllerOptions(httpPort, mqttPort, mqttBind, home, broker, url, extra);
    }

    /** A copy with more Micronaut properties. */
    public ControllerOptions withProperties(Map<String, Object> more) {
        Map<String, Object> m = new LinkedHashMap<>(extra);
        m.putAll(more);
        return new ControllerOptions(httpPort, mqttPort, mqttBind, home, broker, dbUrl, m);
    }

    /** The JDBC URL in effect: the given one or an H2 file under home. */
    public String effectiveDbUrl() {
        return dbUrl != null ? dbUrl
                : "jdbc:h2:file:" + home.toAbsolutePath().resolve("db").resolve("tinyfleet") + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    private static void checkPort(String flag, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(flag + " must be 0-65535, got " + port);
        }
    }

    private static void checkBrokerUrl(String url) {
        try {
            URI u = new URI(url);
            if (!"tcp".equals(u.getScheme()) || u.getHost() == null || u.getPort() <= 0) {
                throw new IllegalArgumentException("--broker must look like tcp://host:port, got '" + url + "'");
            }
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--broker must look like tcp://host:port, got '" + url + "'");
        }
    }
}
