package io.tinyfleet.server.broker;

import com.hivemq.embedded.EmbeddedHiveMQ;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * HiveMQ Community Edition running inside the controller.
 *
 * <p>Configured by a generated {@code config.xml}: one TCP listener on {@code bind:port},
 * <b>in-memory persistence</b> (file persistence keeps QoS 1 payloads in RocksDB even for online
 * subscribers and grows without bound; the registry lives in the controller's database anyway, so a
 * broker restart only loses retained births, which agents re-announce), and anonymous usage
 * statistics off. Its folders live under {@code HOME/broker} and are recreated on every start.
 * {@code start().get(timeout)} rather than {@code join()}: a start that hangs must fail.
 */
public final class EmbeddedHiveMqBroker implements Broker {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedHiveMqBroker.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path folder;
    private final String bind;
    private final int port;
    private EmbeddedHiveMQ hivemq;

    /**
     * @param folder where HiveMQ's conf/data/extensions folders go (emptied on start)
     * @param bind   listener address, e.g. 127.0.0.1
     * @param port   listener port
     */
    public EmbeddedHiveMqBroker(Path folder, String bind, int port) {
        this.folder = folder;
        this.bind = bind;
        this.port = port;
    }

    @Override
    public String url() {
        String host = "0.0.0.0".equals(bind) || "::".equals(bind) ? "127.0.0.1" : bind;
        return "tcp://" + host + ":" + port;
    }

    @Override
    public boolean embedded() {
        return true;
    }

    /** Listener port. */
    public int port() {
        return port;
    }

    /**
     * Writes the configuration and starts the broker; returns when it accepts connections.
     *
     * @throws IllegalStateException when it does not start in time or fails, with HiveMQ's reason
     */
    public synchronized EmbeddedHiveMqBroker start() {
        if (hivemq != null) {
            return this;
        }
        Path conf = folder.resolve("conf");
        Path data = folder.resolve("data");
        Path extensions = folder.resolve("extensions");
        try {
            deleteTree(folder);
            Files.createDirectories(conf);
            Files.createDirectories(data);
            Files.createDirectories(extensions);
            Files.writeString(conf.resolve("config.xml"), configXml());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare broker folder " + folder + ": " + e.getMessage(), e);
        }
        EmbeddedHiveMQ h = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(data)
                .withExtensionsFolder(extensions)
                .withoutLoggingBootstrap()
                .build();
        long t0 = System.nanoTime();
        try {
            h.start().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(h);
            throw new IllegalStateException("interrupted while starting the embedded MQTT broker", e);
        } catch (ExecutionException | TimeoutException e) {
            closeQuietly(h);
            Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("embedded MQTT broker on " + bind + ":" + port + " did not start: " + c, e);
        }
        hivemq = h;
        LOG.info("embedded MQTT broker listening on {} (started in {} ms)", url(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return this;
    }

    /** Stops the broker (about 4 s: HiveMQ drains its executors). */
    public synchronized void stop() {
        EmbeddedHiveMQ h = hivemq;
        hivemq = null;
        if (h == null) {
            return;
        }
        try {
            h.stop().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("embedded MQTT broker did not stop cleanly: {}", e.toString());
        } finally {
            closeQuietly(h);
        }
    }

    /** Whether it runs now. */
    public synchronized boolean running() {
        return hivemq != null;
    }

    @Override
    public void close() {
        stop();
    }

    private String configXml() {
        return """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                        </tcp-listener>
                    </listeners>
                    <persistence>
                        <mode>in-memory</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, bind);
    }

    private static void closeQuietly(EmbeddedHiveMQ h) {
        try {
            h.close();
        } catch (Exception e) {
            LOG.debug("closing embedded HiveMQ: {}", e.toString());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
