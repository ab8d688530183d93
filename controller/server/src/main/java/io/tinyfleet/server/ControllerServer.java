package io.tinyfleet.server;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.tinyfleet.server.broker.Broker;
import io.tinyfleet.server.broker.EmbeddedHiveMqBroker;
import io.tinyfleet.server.fleet.FleetIngest;
import io.tinyfleet.server.fleet.FleetService;
import io.tinyfleet.server.metrics.FleetMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * A running controller, started in explicit steps so that each failure is one clear message:
 * ports free, database (Flyway migrates on connect), broker (embedded start or external), MQTT
 * ingest, HTTP server. Used by {@code tinyfleet controller}, the demo and the tests alike.
 */
public final class ControllerServer implements AutoCloseable {

    private final ApplicationContext context;
    private final EmbeddedServer http;
    private final Broker broker;
    private final FleetIngest ingest;

    private ControllerServer(ApplicationContext context, EmbeddedServer http, Broker broker, FleetIngest ingest) {
        this.context = context;
        this.http = http;
        this.broker = broker;
        this.ingest = ingest;
    }

    /**
     * Starts a controller.
     *
     * @throws IllegalArgumentException for bad options or a port in use ("HTTP port 8080 is already in use")
     * @throws IllegalStateException    when the broker or database cannot be reached, naming the URL
     */
    public static ControllerServer start(ControllerOptions o) {
        try {
            Files.createDirectories(o.home());
        } catch (IOException e) {
            throw new UncheckedIOException("--home " + o.home() + ": cannot create: " + e.getMessage(), e);
        }
        // Port 0: Micronaut binds a random port itself (-1) when the server starts. Picking one here
        // left seconds (broker, database, MQTT clients) for an outgoing connection of this very
        // process to take that ephemeral port first: "HTTP port 42507 is already in use" in CI.
        int httpPort = o.httpPort() == 0 ? -1 : requireFree("HTTP", o.httpPort(), null);
        int mqttPort = o.broker() != null ? 0
                : o.mqttPort() == 0 ? freePort() : requireFree("MQTT", o.mqttPort(), o.mqttBind());

        String db = o.effectiveDbUrl();
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.server.port", httpPort);
        p.put("tinyfleet.home", o.home().toAbsolutePath().toString());
        p.put("tinyfleet.mqtt.port", mqttPort);
        p.put("tinyfleet.mqtt.bind", o.mqttBind());
        if (o.broker() != null) {
            p.put("tinyfleet.mqtt.broker", o.broker());
        }
        p.put("datasources.default.url", db);
        if (db.startsWith("jdbc:postgresql:")) {
            p.put("datasources.default.driver-class-name", "org.postgresql.Driver");
            p.put("datasources.default.dialect", "POSTGRES");
        } else {
            p.put("datasources.default.driver-class-name", "org.h2.Driver");
            p.put("datasources.default.dialect", "H2");
            p.put("datasources.default.username", "sa");
            p.put("datasources.default.password", "");
        }
        p.putAll(o.extra());

        ApplicationContext ctx = ApplicationContext.builder()
                .properties(p)
                .deduceEnvironment(false)
                .banner(false)
                .build();
        try {
            ctx.start();
            FleetService fleet = step("database " + redact(db), () -> ctx.getBean(FleetService.class));
            step("database " + redact(db), () -> fleet.count(true));
            ctx.getBean(FleetMetrics.class);
            Broker broker = step(o.broker() != null ? "MQTT broker " + o.broker() : "embedded MQTT broker",
                    () -> ctx.getBean(Broker.class));
            FleetIngest ingest = ctx.getBean(FleetIngest.class);
            ingest.start();
            EmbeddedServer http = ctx.getBean(EmbeddedServer.class);
            try {
                http.start();
            } catch (RuntimeException e) {
                if (causedBy(e, BindException.class)) {
                    throw new IllegalArgumentException(httpPort < 0 ? "no free HTTP port to bind"
                            : "HTTP port " + httpPort + " is already in use", e);
                }
                throw e;
            }
            return new ControllerServer(ctx, http, broker, ingest);
        } catch (RuntimeException e) {
            try {
                ctx.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Runs {@code action}. A failure carrying one of our own clear messages (an
     * IllegalArgument/IllegalState/UncheckedIO exception somewhere in the cause chain, e.g. from the
     * broker's start) is rethrown with that message; anything else becomes "WHAT: root cause".
     */
    private static <T> T step(String what, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
                if ((t instanceof IllegalArgumentException || t instanceof IllegalStateException
                        || t instanceof UncheckedIOException) && t.getMessage() != null
                        && !t.getClass().getName().startsWith("io.micronaut")) {
                    throw t instanceof IllegalArgumentException iae ? iae : new IllegalStateException(t.getMessage(), e);
                }
            }
            throw new IllegalStateException(what + ": " + rootMessage(e), e);
        }
    }

    private static Throwable root(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String rootMessage(Throwable e) {
        Throwable r = root(e);
        return r.getMessage() != null ? r.getMessage() : r.getClass().getSimpleName();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port: " + e.getMessage(), e);
        }
    }

    private static int requireFree(String what, int port, String bind) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(bind == null ? new InetSocketAddress(port) : new InetSocketAddress(InetAddress.getByName(bind), port));
            return port;
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " port " + port + " is already in use", e);
        }
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String httpUrl() {
        return "http://127.0.0.1:" + http.getPort();
    }

    /** HTTP port. */
    public int httpPort() {
        return http.getPort();
    }

    /** The broker's URL (what agents connect to). */
    public String brokerUrl() {
        return broker.url();
    }

    /** The broker. */
    public Broker broker() {
        return broker;
    }

    /** The embedded broker, when this controller runs one (tests restart it). */
    public java.util.Optional<EmbeddedHiveMqBroker> embeddedBroker() {
        return broker instanceof EmbeddedHiveMqBroker e ? java.util.Optional.of(e) : java.util.Optional.empty();
    }

    /** The device registry. */
    public FleetService fleet() {
        return context.getBean(FleetService.class);
    }

    /** The MQTT ingest. */
    public FleetIngest ingest() {
        return ingest;
    }

    /** The Micronaut context (tests). */
    public ApplicationContext context() {
        return context;
    }

    /** Stops HTTP, the ingest client, the broker and the database, in that order. */
    @Override
    public void close() {
        try {
            http.stop();
        } finally {
            try {
                ingest.stop();
            } finally {
                context.close();
            }
        }
    }
}
