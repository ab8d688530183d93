package io.tinyfleet.agent;

import io.tinyfleet.agent.config.AgentConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tinyfleet agent}: runs the edge agent until Ctrl-C. Lives in the agent module so a device
 * can run it without the controller ({@link #main}).
 */
@Command(name = "agent",
        mixinStandardHelpOptions = true,
        description = {"Run the edge agent: announce this device to the fleet and keep its MQTT session.",
                "Settings come from --config (default HOME/agent.properties when present; keys documented in "
                        + "edge-agent/agent/agent.properties); flags win over the file."})
public class AgentCommand implements Callable<Integer> {

    @Option(names = "--broker", paramLabel = "tcp://host:port", description = "MQTT broker of the fleet")
    String broker;

    @Option(names = "--id", paramLabel = "ID", description = "device id: 1-64 of A-Z a-z 0-9 . _ -")
    String id;

    @Option(names = "--home", paramLabel = "DIR", description = "agent state folder (session counter, models)")
    Path home;

    @Option(names = "--profile", paramLabel = "FILE", description = "device profile, e.g. device-profiles/x86-laptop.yaml")
    Path profile;

    @Option(names = "--config", paramLabel = "FILE", description = "properties file")
    Path config;

    @Option(names = "--heartbeat-interval", paramLabel = "SECONDS", description = "heartbeat period (default 10)")
    Integer heartbeatS;

    @Option(names = "--keep-alive", paramLabel = "SECONDS", description = "MQTT keep-alive (default 30)")
    Integer keepAliveS;

    @Option(names = "--controller-key", paramLabel = "FILE",
            description = "controller public key (PEM, HOME/keys/controller-ed25519.key.pub on the controller); "
                    + "pinned in HOME/ota on first use, needed for over-the-air deployments")
    Path controllerKey;

    @Option(names = "--telemetry-interval", paramLabel = "SECONDS",
            description = "hardware telemetry period (default 1; sent 5 samples per message)")
    Double telemetryIntervalS;

    @Option(names = "--emulate", paramLabel = "PROFILE",
            description = "run as this device profile (id in --profiles-dir, or a .yaml file): ONNX Runtime threads and "
                    + "providers capped like it, and memory: a model is refused (health check memory_cap_exceeded, "
                    + "benchmark failed) when this process's measured RSS plus the model's estimated need, or the RSS "
                    + "measured after loading, exceeds the profile's RAM minus an OS reserve; reports are labelled "
                    + "emulated. The JVM heap counts in that RSS: size it like the device with "
                    + "TINYFLEET_JAVA_OPTS=-XX:MaxRAM=<RAM>m")
    String emulate;

    @Option(names = "--emulate-os-reserve", paramLabel = "MiB",
            description = "with --emulate: RAM left to the OS and other processes (default: 1/8 of the profile's RAM, "
                    + "64-512 MiB; an assumption, not a measurement)")
    Long emulateOsReserveMb;

    @Option(names = "--tag", paramLabel = "TAG",
            description = "a tag this device declares at registration (repeatable; replaces `tags` of the config file): "
                    + "deploy --to tag:TAG targets it")
    java.util.List<String> tags;

    @Option(names = "--profiles-dir", paramLabel = "DIR", description = "device profile catalogue (default device-profiles)")
    Path profilesDir = Path.of("device-profiles");

    @Option(names = "--procfs-root", paramLabel = "DIR", hidden = true)
    Path procRoot;

    @Option(names = "--sysfs-root", paramLabel = "DIR", hidden = true)
    Path sysRoot;

    /** The configuration these flags (and the properties file) describe. */
    public AgentConfig toConfig() {
        Map<String, String> o = new HashMap<>();
        o.put(AgentConfig.BROKER, broker);
        o.put(AgentConfig.ID, id);
        o.put(AgentConfig.HOME, home == null ? null : home.toString());
        o.put(AgentConfig.PROFILE, profile == null ? null : profile.toString());
        o.put(AgentConfig.HEARTBEAT_S, heartbeatS == null ? null : heartbeatS.toString());
        o.put(AgentConfig.KEEPALIVE_S, keepAliveS == null ? null : keepAliveS.toString());
        o.put(AgentConfig.PROCFS_ROOT, procRoot == null ? null : procRoot.toString());
        o.put(AgentConfig.SYSFS_ROOT, sysRoot == null ? null : sysRoot.toString());
        o.put(AgentConfig.TAGS, tags == null ? null : String.join(",", tags));
        Path file = config;
        if (file == null && home != null && Files.isRegularFile(home.resolve("agent.properties"))) {
            file = home.resolve("agent.properties");
        }
        return AgentConfig.load(file, o);
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg = toConfig();
        if (controllerKey != null) {
            io.tinyfleet.agent.ota.ControllerKeyPin.pin(cfg.home(), controllerKey);
        }
        io.tinyfleet.agent.telemetry.TelemetryOptions telemetry = telemetryOptions();
        Agent agent = Agent.start(cfg, telemetry.emulation());
        agent.startTelemetry(telemetry);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "tinyfleet-agent-shutdown"));
        System.out.println("tinyfleet agent: device " + cfg.deviceId() + ", broker " + cfg.brokerUrl()
                + ", home " + cfg.home() + agent.profile().map(p -> ", profile " + p.id()).orElse("")
                + " (Ctrl-C to stop)");
        telemetry.emulation().ifPresent(e -> {
            System.out.println("tinyfleet agent: " + e.summary());
            e.heapAdvice(Runtime.getRuntime().maxMemory()).ifPresent(a -> System.out.println("tinyfleet agent: " + a));
        });
        stopped.await();
        return 0;
    }

    /** Telemetry settings from --telemetry-interval and --emulate (issue 8). */
    public io.tinyfleet.agent.telemetry.TelemetryOptions telemetryOptions() {
        io.tinyfleet.agent.telemetry.TelemetryOptions t = io.tinyfleet.agent.telemetry.TelemetryOptions.defaults();
        if (telemetryIntervalS != null) {
            t = t.withInterval(java.time.Duration.ofMillis(Math.round(telemetryIntervalS * 1000)));
        }
        if (emulate != null) {
            io.tinyfleet.agent.telemetry.Emulation e = io.tinyfleet.agent.telemetry.Emulation.resolve(emulate, profilesDir);
            t = t.withEmulation(emulateOsReserveMb == null ? e : e.withOsReserveMb(emulateOsReserveMb));
        } else if (emulateOsReserveMb != null) {
            throw new IllegalArgumentException("--emulate-os-reserve needs --emulate PROFILE");
        }
        return t;
    }

    /** Runs the agent alone, without the rest of the tinyfleet command. */
    public static void main(String[] args) {
        picocli.CommandLine cl = new picocli.CommandLine(new AgentCommand());
        cl.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println("tinyfleet agent: error: " + e.getMessage());
            return 2;
        });
        System.exit(cl.execute(args));
    }
}
