package io.tinyfleet.cli;

import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tinyfleet controller}: runs the controller (REST, registry, broker) until Ctrl-C. */
@Command(name = "controller",
        mixinStandardHelpOptions = true,
        description = {"Run the controller: REST API, device registry, MQTT broker (embedded unless --broker), "
                + "Prometheus metrics at /prometheus."})
public final class ControllerCommand implements Callable<Integer> {

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "8080", description = "HTTP port (default ${DEFAULT-VALUE}; 0 = any free)")
    int httpPort;

    @Option(names = "--mqtt-port", paramLabel = "N", defaultValue = "1883", description = "embedded broker port (default ${DEFAULT-VALUE}; 0 = any free)")
    int mqttPort;

    @Option(names = "--mqtt-bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "address the embedded broker listens on (default ${DEFAULT-VALUE}; 0.0.0.0 for devices on the network)")
    String mqttBind;

    @Option(names = "--home", paramLabel = "DIR", defaultValue = ".tinyfleet/controller",
            description = "database, keys, artifacts and broker files (default ${DEFAULT-VALUE})")
    Path home;

    @Option(names = "--broker", paramLabel = "tcp://host:port", description = "use this MQTT 5 broker instead of the embedded one")
    String broker;

    @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "registry database, e.g. jdbc:postgresql://127.0.0.1:5432/tinyfleet?user=postgres (default: H2 under --home)")
    String db;

    /** The options these flags give. */
    ControllerOptions options() {
        return new ControllerOptions(httpPort, mqttPort, mqttBind, home, broker, db, Map.of());
    }

    @Override
    public Integer call() throws Exception {
        ControllerServer server = ControllerServer.start(options());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "tinyfleet-controller-shutdown"));
        printUrls(server);
        System.out.println("Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    /** The lines a person needs to reach a running controller. */
    static void printUrls(ControllerServer server) {
        System.out.println("controller  " + server.httpUrl() + "   (devices: " + server.httpUrl() + "/api/devices, metrics: "
                + server.httpUrl() + "/prometheus)");
        System.out.println("dashboard   " + server.httpUrl() + "/dashboard/");
        System.out.println("MQTT broker " + server.brokerUrl() + (server.broker().embedded() ? "   (embedded HiveMQ)" : "   (external)"));
    }
}
