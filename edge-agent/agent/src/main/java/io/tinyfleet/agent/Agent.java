package io.tinyfleet.agent;

import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.agent.mqtt.Announcements;
import io.tinyfleet.agent.mqtt.FleetSession;
import io.tinyfleet.agent.mqtt.SessionCounter;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.runtime.hw.HardwareInventory;
import io.tinyfleet.runtime.hw.HardwareProbe;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.session.Ort;
import io.tinyfleet.runtime.session.Providers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One running agent: reads its device profile and hardware inventory, then keeps a
 * {@link FleetSession} with the broker until {@link #close()}.
 *
 * <p>Shutdown order (clean): stop heartbeats, publish a retained death with reason SHUTDOWN,
 * disconnect. Later issues put deployment intake and inference draining in front of that.
 */
public final class Agent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final DeviceProfile profile;
    private final FleetSession session;
    private final DeviceBirth birthTemplate;
    private io.tinyfleet.agent.ota.OtaAgent ota;
    private io.tinyfleet.agent.telemetry.TelemetryAgent telemetry;

    private Agent(AgentConfig config, DeviceProfile profile, DeviceBirth birthTemplate) {
        this.config = config;
        this.profile = profile;
        this.birthTemplate = birthTemplate;
        this.session = new FleetSession(config,
                new Announcements(birthTemplate, System::currentTimeMillis),
                new SessionCounter(config.home()));
    }

    /**
     * Validates the configuration and profile, takes the inventory and starts connecting (in the
     * background: an unreachable broker is retried with back-off and logged with its URL).
     *
     * @throws IllegalArgumentException for a bad profile or configuration, naming the field
     */
    public static Agent start(AgentConfig config) {
        return start(config, Optional.empty());
    }

    /**
     * Like {@link #start(AgentConfig)}, running models (health checks included) as the emulated
     * profile when one is given, so that every figure the agent reports comes from the same caps.
     */
    public static Agent start(AgentConfig config, Optional<io.tinyfleet.agent.telemetry.Emulation> emulation) {
        DeviceProfile profile = config.profile() == null ? null : DeviceProfile.load(config.profile());
        HardwareInventory inv = new HardwareProbe(config.roots(), true).inventory();
        Agent agent = new Agent(config, profile, birthTemplate(config, profile, inv));
        io.tinyfleet.runtime.session.RuntimeOptions modelRuntime = emulation
                .map(io.tinyfleet.agent.telemetry.Emulation::runtimeOptions)
                .orElse(profile == null ? io.tinyfleet.runtime.session.RuntimeOptions.defaults()
                        : io.tinyfleet.runtime.session.RuntimeOptions.forProfile(profile));
        try {
            agent.ota = io.tinyfleet.agent.ota.OtaAgent.attach(config.deviceId(), config.home(), agent.session,
                    modelRuntime).orElse(null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("agent home " + config.home() + ": " + e.getMessage(), e);
        }
        agent.session.start();
        return agent;
    }

    static DeviceBirth birthTemplate(AgentConfig config, DeviceProfile profile, HardwareInventory inv) {
        io.tinyfleet.proto.v1.HardwareInventory.Builder hw = io.tinyfleet.proto.v1.HardwareInventory.newBuilder()
                .setCpuModel(inv.cpuModel())
                .setPhysicalCores(inv.physicalCores())
                .setLogicalCores(inv.logicalCores())
                .setMaxFrequencyHz(inv.maxFrequencyHz())
                .setTotalMemoryBytes(inv.totalMemoryBytes())
                .setOs(inv.os())
                .setArch(inv.arch())
                .setHostname(inv.hostname())
                .addAllCpuFeatures(inv.cpuFeatures())
                .setBoardModel(inv.boardModel());
        if (profile != null) {
            hw.setDeviceProfileId(profile.id()).setDeviceProfileName(profile.name());
        }
        DeviceBirth.Builder b = DeviceBirth.newBuilder()
                .setDeviceId(config.deviceId())
                .setAgentVersion(version())
                .setInventory(hw)
                .setHeartbeatIntervalS((int) config.heartbeatInterval().toSeconds())
                .addAllTags(config.tags());
        onnxRuntime().ifPresent(ort -> b.setOnnxruntimeVersion(ort.version()).addAllExecutionProviders(ort.providers()));
        return b.build();
    }

    private record OrtInfo(String version, List<String> providers) {
    }

    /** ONNX Runtime's version and providers; empty when its native library cannot load here. */
    private static Optional<OrtInfo> onnxRuntime() {
        try {
            return Optional.of(new OrtInfo(Ort.env().getVersion(),
                    Providers.available().stream().map(Enum::name).sorted().toList()));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("ONNX Runtime unavailable on this device: {}", e.toString());
            return Optional.empty();
        }
    }

    /** The agent's version (jar manifest), or "dev". */
    public static String version() {
        String v = Agent.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The configuration it runs with. */
    public AgentConfig config() {
        return config;
    }

    /** The device profile, if one was given. */
    public Optional<DeviceProfile> profile() {
        return Optional.ofNullable(profile);
    }

    /** What the agent announces about itself (without session number and time). */
    public DeviceBirth description() {
        return birthTemplate;
    }

    /** The MQTT session (state, for tests and the demo). */
    public FleetSession session() {
        return session;
    }

    /** Waits until the first session is up; false on timeout. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return session.awaitSessions(1, timeout);
    }

    /** Drops the connection without a clean disconnect, as a crash would (tests, demo). */
    public void crash() {
        session.crash();
    }

    /** The OTA receiver, when a controller key is pinned. */
    public Optional<io.tinyfleet.agent.ota.OtaAgent> ota() {
        return Optional.ofNullable(ota);
    }

    /**
     * Starts telemetry on the session's client (issue 8): batched hardware samples, the on-device
     * benchmark when a deployment becomes ACTIVE (OTA status listener) and on request.
     */
    public io.tinyfleet.agent.telemetry.TelemetryAgent startTelemetry(io.tinyfleet.agent.telemetry.TelemetryOptions o) {
        telemetry = io.tinyfleet.agent.telemetry.TelemetryAgent.start(config.deviceId(), session.client(), profile(), o);
        telemetry.setActiveModel(telemetry.slots(config.home()));
        if (ota != null) {
            ota.addStatusListener(telemetry::onDeploymentStatus);
        }
        return telemetry;
    }

    /** Clean shutdown: publishes its death (SHUTDOWN) and disconnects. */
    @Override
    public void close() {
        if (telemetry != null) {
            telemetry.close();
        }
        if (ota != null) {
            ota.close();
        }
        session.close();
    }
}
