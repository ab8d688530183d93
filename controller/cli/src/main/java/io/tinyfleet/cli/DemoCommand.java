package io.tinyfleet.cli;

import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tinyfleet demo}: the whole fleet on one machine, as a readable sequence of steps.
 *
 * <p>Starts a controller with its embedded broker on free ports, two agents in this process with
 * different device ids, waits until both are registered, prints the URLs and the fleet, then keeps
 * running until Ctrl-C. {@code --exit-after-registration} stops after printing the fleet (tests, CI).
 * Later issues add steps (compress, deploy, measure) between registration and waiting.
 */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {"Start a controller with its embedded broker and two local agents, show the registered fleet, "
                + "keep running until Ctrl-C.",
                "--exit-after-registration stops as soon as both agents are registered (for tests and CI)."})
public final class DemoCommand implements Callable<Integer> {

    static final List<String> DEVICE_IDS = List.of("demo-laptop-1", "demo-laptop-2");

    @Option(names = "--home", paramLabel = "DIR",
            description = "demo state (default: a new temporary folder, removed on exit)")
    Path home;

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "0", description = "HTTP port (default: any free)")
    int httpPort;

    @Option(names = "--mqtt-port", paramLabel = "N", defaultValue = "0", description = "MQTT port (default: any free)")
    int mqttPort;

    @Option(names = "--profile", paramLabel = "FILE",
            description = "device profile for the demo agents (default: device-profiles/x86-laptop.yaml when found)")
    Path profile;

    @Option(names = "--exit-after-registration",
            description = "stop once both agents are registered and the fleet is printed (exit 0)")
    boolean exitAfterRegistration;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for the agents to register (default ${DEFAULT-VALUE})")
    int timeoutS;

    @Override
    public Integer call() throws Exception {
        boolean tempHome = home == null;
        Path dir = tempHome ? Files.createTempDirectory("tinyfleet-demo-") : home;
        List<Agent> agents = new ArrayList<>();
        ControllerServer controller = null;
        boolean handedToShutdownHook = false;
        try {
            step("1/4", "starting the controller with its embedded MQTT broker (home " + dir + ")");
            controller = ControllerServer.start(new ControllerOptions(httpPort, mqttPort, "127.0.0.1",
                    dir.resolve("controller"), null, null, Map.of()));
            ControllerCommand.printUrls(controller);

            Path profileFile = profile != null ? profile : Repo.file("device-profiles/x86-laptop.yaml").orElse(null);
            step("2/4", "starting " + DEVICE_IDS.size() + " agents in this process"
                    + (profileFile == null ? "" : " with profile " + profileFile));
            for (String id : DEVICE_IDS) {
                DemoDeploy.pinKey(controller, dir.resolve(id));
                agents.add(Agent.start(agentConfig(controller.brokerUrl(), id, dir.resolve(id), profileFile)));
            }

            step("3/4", "waiting for the agents to register");
            awaitRegistered(controller.httpUrl(), Duration.ofSeconds(timeoutS));

            step("4/4", "the fleet, as GET " + controller.httpUrl() + "/api/devices reports it:");
            DevicesCommand.printTable(System.out, DevicesCommand.fetch(controller.httpUrl()));
            System.out.println("try:  ./tinyfleet devices --controller " + controller.httpUrl());

            if (exitAfterRegistration) {
                System.out.println("demo: done (--exit-after-registration)");
                return 0;
            }
            DemoDeploy.run(controller, DEVICE_IDS, Duration.ofSeconds(timeoutS));
            System.out.println("demo: running; Ctrl-C to stop.");
            handedToShutdownHook = true;
            waitForCtrlC(agents, controller, tempHome ? dir : null);
            return 0;
        } finally {
            if (!handedToShutdownHook) {
                stop(agents, controller, tempHome ? dir : null);
            }
        }
    }

    private static AgentConfig agentConfig(String broker, String id, Path home, Path profile) {
        Map<String, String> c = new HashMap<>();
        c.put(AgentConfig.BROKER, broker);
        c.put(AgentConfig.ID, id);
        c.put(AgentConfig.HOME, home.toString());
        c.put(AgentConfig.HEARTBEAT_S, "5");
        if (profile != null) {
            c.put(AgentConfig.PROFILE, profile.toString());
        }
        return AgentConfig.of(c, "demo");
    }

    private static void awaitRegistered(String httpUrl, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            var devices = DevicesCommand.fetch(httpUrl);
            long online = 0;
            for (var d : devices) {
                if (DEVICE_IDS.contains(d.path("id").asText()) && d.path("online").asBoolean()) {
                    online++;
                }
            }
            if (online == DEVICE_IDS.size()) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("only " + online + " of " + DEVICE_IDS.size()
                        + " demo agents registered within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    private static void waitForCtrlC(List<Agent> agents, ControllerServer controller, Path tempDir)
            throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop(agents, controller, tempDir);
            stopped.countDown();
        }, "tinyfleet-demo-shutdown"));
        stopped.await();
    }

    private static void stop(List<Agent> agents, ControllerServer controller, Path tempDir) {
        agents.forEach(Agent::close);
        if (controller != null) {
            controller.close();
        }
        if (tempDir != null) {
            Repo.deleteQuietly(tempDir);
        }
    }

    private static void step(String n, String what) {
        System.out.println("[" + n + "] " + what);
    }

    /** Finds files of the TinyFleet checkout the CLI runs from. */
    static final class Repo {
        private Repo() {
        }

        /** {@code rel} under the working directory or the checkout holding the CLI jar. */
        static java.util.Optional<Path> file(String rel) {
            Path cwd = Path.of("").toAbsolutePath().resolve(rel);
            if (Files.isRegularFile(cwd)) {
                return java.util.Optional.of(cwd);
            }
            try {
                Path p = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                for (Path d = p; d != null; d = d.getParent()) {
                    if (Files.isRegularFile(d.resolve(rel))) {
                        return java.util.Optional.of(d.resolve(rel));
                    }
                }
            } catch (Exception e) {
                // no code source (unusual class loader): fall through
            }
            return java.util.Optional.empty();
        }

        static void deleteQuietly(Path dir) {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // a leftover temp folder is harmless
            }
        }
    }
}
