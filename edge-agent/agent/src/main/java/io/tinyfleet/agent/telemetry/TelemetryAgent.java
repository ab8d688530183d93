package io.tinyfleet.agent.telemetry;

import io.tinyfleet.agent.ota.SlotManager;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.proto.v1.BenchmarkRequest;
import io.tinyfleet.proto.v1.DeploymentState;
import io.tinyfleet.proto.v1.DeploymentStatus;
import io.tinyfleet.runtime.hw.SystemRoots;
import io.tinyfleet.runtime.model.OnnxModel;
import io.tinyfleet.runtime.profile.DeviceProfile;
import io.tinyfleet.runtime.sensors.PowerMeter;
import io.tinyfleet.runtime.sensors.PowerSensors;
import io.tinyfleet.runtime.sensors.TelemetrySampler;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's telemetry over MQTT: hardware samples every {@code interval}, batched
 * ({@link TelemetryPublisher}, kind {@code telemetry}); the on-device benchmark
 * ({@link OnDeviceBenchmark}, kind {@code bench}) after a model becomes ACTIVE
 * ({@link #onDeploymentStatus}) and on request (kind {@code bench-req}).
 *
 * <p>It uses a connected Paho client: the agent's session client, or its own ({@link #connect}).
 * Subscriptions use per-subscription listeners, so they do not disturb the owner's callback, and
 * are renewed whenever the client has reconnected (clean-start sessions lose them).
 */
public final class TelemetryAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryAgent.class);

    /**
     * The model the device serves now.
     *
     * @param model       the model
     * @param modelId     its fleet id
     * @param accuracy    accuracy on the shipped eval shard from the activation health check, if measured
     * @param evalSamples samples behind it
     */
    public record ActiveModel(OnnxModel model, String modelId, OptionalDouble accuracy, int evalSamples) {
    }

    private final String deviceId;
    private final MqttAsyncClient client;
    private final boolean ownClient;
    private final TelemetryOptions options;
    private final TelemetrySampler sampler;
    private final TelemetryPublisher publisher;
    private final OnDeviceBenchmark bench;
    private final ScheduledExecutorService ticks;
    private final ExecutorService benchWorker;
    private volatile Supplier<Optional<ActiveModel>> active = Optional::empty;
    private volatile OptionalDouble lastAccuracy = OptionalDouble.empty();
    private volatile int lastEvalSamples;
    private volatile boolean subscribed;
    private volatile boolean closed;
    private volatile boolean overBudget;

    private TelemetryAgent(String deviceId, MqttAsyncClient client, boolean ownClient, Optional<DeviceProfile> profile,
                           TelemetryOptions options) {
        this.deviceId = Topics.requireDeviceId(deviceId);
        this.client = client;
        this.ownClient = ownClient;
        this.options = options;
        Optional<DeviceProfile> powerProfile = options.emulation().map(Emulation::profile).or(() -> profile);
        this.sampler = TelemetrySampler.forHost(powerProfile);
        long streamId = System.currentTimeMillis();
        String profileId = options.emulation().map(e -> e.profile().id()).or(() -> profile.map(DeviceProfile::id)).orElse("");
        this.publisher = new TelemetryPublisher(deviceId, streamId, profileId, options, this::sendBatch,
                System::currentTimeMillis);
        PowerSensors sensors = PowerSensors.scan(SystemRoots.host());
        Optional<PowerMeter> meter = sensors.meterOrEstimate(powerProfile);
        this.bench = new OnDeviceBenchmark(deviceId, profile, options.emulation(), meter,
                meter.isPresent() ? "" : sensors.whyUnknown(powerProfile), System::currentTimeMillis);
        this.ticks = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "tinyfleet-telemetry-tick"));
        this.benchWorker = Executors.newSingleThreadExecutor(r -> daemon(r, "tinyfleet-benchmark"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts telemetry on the agent's connected (or connecting) client.
     *
     * @param profile the device profile, if any
     */
    public static TelemetryAgent start(String deviceId, MqttAsyncClient client, Optional<DeviceProfile> profile,
                                       TelemetryOptions options) {
        TelemetryAgent a = new TelemetryAgent(deviceId, client, false, profile, options);
        a.begin();
        return a;
    }

    /**
     * Starts telemetry on a client of its own ({@code DEVICE-telemetry-XXXX}, automatic reconnect), for
     * tests, the benchmark suite and agents whose session client is not shared.
     *
     * @throws IllegalStateException naming the broker when it cannot be reached
     */
    public static TelemetryAgent connect(String brokerUrl, String deviceId, Optional<DeviceProfile> profile,
                                         TelemetryOptions options) {
        MqttAsyncClient c;
        try {
            c = new MqttAsyncClient(brokerUrl, deviceId + "-telemetry-" + UUID.randomUUID().toString().substring(0, 4),
                    new MemoryPersistence());
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            o.setAutomaticReconnect(true);
            o.setAutomaticReconnectDelay(1, 10);
            o.setKeepAliveInterval(30);
            o.setConnectionTimeout(5);
            c.connect(o).waitForCompletion(7000);
        } catch (MqttException e) {
            throw new IllegalStateException("telemetry: cannot reach MQTT broker " + brokerUrl + ": " + e.getMessage(), e);
        }
        TelemetryAgent a = new TelemetryAgent(deviceId, c, true, profile, options);
        a.begin();
        return a;
    }

    private void begin() {
        sampler.start(options.interval(), this::onSample);
        long tick = Math.max(200, options.interval().toMillis());
        ticks.scheduleWithFixedDelay(this::tick, 0, tick, TimeUnit.MILLISECONDS);
    }

    private void onSample(io.tinyfleet.runtime.sensors.TelemetrySnapshot s) {
        publisher.accept(s);
        options.emulation().ifPresent(e -> {
            // the controller flags every such sample from the batch's budget; the log says it once per episode
            Optional<String> v = e.memoryViolation(s.processRssBytes().orElse(-1));
            if (v.isPresent() != overBudget) {
                overBudget = v.isPresent();
                if (overBudget) {
                    LOG.warn("telemetry {}: {}", deviceId, v.get());
                } else {
                    LOG.info("telemetry {}: RSS back within {}", deviceId, e.cap().describe());
                }
            }
        });
    }

    /** Renews the benchmark-request subscription after a reconnect and retries buffered samples. */
    private void tick() {
        try {
            if (!client.isConnected()) {
                subscribed = false;
                return;
            }
            if (!subscribed) {
                // Paho 1.2.5's (subscription, listener) overload fails with IndexOutOfBounds without a
                // subscription identifier list; 0 lets the client assign one (as PahoOtaTransport does)
                org.eclipse.paho.mqttv5.common.packet.MqttProperties props = new org.eclipse.paho.mqttv5.common.packet.MqttProperties();
                props.setSubscriptionIdentifiers(java.util.List.of(0));
                client.subscribe(new MqttSubscription(Topics.device(deviceId, Topics.Kind.BENCHMARK_REQUEST), 1),
                        null, null, (topic, msg) -> onRequest(msg.getPayload()), props).waitForCompletion(5000);
                subscribed = true;
            }
            if (publisher.buffered() >= options.batchSize()) {
                publisher.flush();
            }
        } catch (MqttException | RuntimeException e) {
            LOG.debug("telemetry {}: tick: {}", deviceId, e.toString());
        }
    }

    private boolean sendBatch(byte[] batch) {
        return publish(Topics.Kind.TELEMETRY, batch, 0);
    }

    private boolean publish(Topics.Kind kind, byte[] payload, int qos) {
        if (closed || !client.isConnected()) {
            return false;
        }
        try {
            MqttMessage m = new MqttMessage(payload);
            m.setQos(qos);
            client.publish(Topics.device(deviceId, kind), m);
            return true;
        } catch (MqttException e) {
            LOG.debug("telemetry {}: {} not sent: {}", deviceId, kind.segment(), e.getMessage());
            return false;
        }
    }

    private void onRequest(byte[] payload) {
        try {
            BenchmarkRequest req = BenchmarkRequest.parseFrom(payload);
            LOG.info("telemetry {}: benchmark requested ({})", deviceId, req.getRequestId());
            Optional<ActiveModel> m = active.get();
            if (m.isEmpty()) {
                publish(Topics.Kind.BENCHMARK, BenchmarkReport.newBuilder().setDeviceId(deviceId)
                        .setTimestampMs(System.currentTimeMillis()).setRequestId(req.getRequestId())
                        .setTrigger("on-demand").setOk(false).setError("no active model on this device")
                        .setEmulated(options.emulation().isPresent())
                        .setEmulatedProfile(options.emulation().map(e -> e.profile().id()).orElse(""))
                        .build().toByteArray(), 1);
                return;
            }
            benchmark(m.get(), "on-demand", req.getRequestId(), req.getLatencyRuns());
        } catch (IOException | RuntimeException e) {
            LOG.warn("telemetry {}: bad benchmark request: {}", deviceId, e.getMessage());
        }
    }

    /** Where the agent's serving model comes from (OTA slots, or a fixed model in tests and the bench suite). */
    public void setActiveModel(Supplier<Optional<ActiveModel>> source) {
        this.active = source;
    }

    /** The active slot's model under {@code home/slots} (the OTA agent's layout), if any. */
    public Supplier<Optional<ActiveModel>> slots(Path home) {
        return () -> {
            try {
                return new SlotManager(home.resolve("slots")).active().map(s -> new ActiveModel(
                        OnnxModel.load(s.modelFile()), s.modelId(), lastAccuracy, lastEvalSamples));
            } catch (IOException | RuntimeException e) {
                LOG.warn("telemetry {}: cannot read the active slot: {}", deviceId, e.getMessage());
                return Optional.empty();
            }
        };
    }

    /**
     * Hook for the OTA agent's status listener: when a deployment reaches ACTIVE, keeps its health-check
     * accuracy and benchmarks the now active model.
     */
    public void onDeploymentStatus(DeploymentStatus s) {
        if (s.getState() != DeploymentState.ACTIVE) {
            return;
        }
        if (s.hasHealth() && s.getHealth().getAccuracy() >= 0) {
            lastAccuracy = OptionalDouble.of(s.getHealth().getAccuracy());
            lastEvalSamples = s.getHealth().getEvalSamples();
        }
        benchWorker.execute(() -> active.get().ifPresent(m -> runAndPublish(m, "activated", s.getDeploymentId(), 0)));
    }

    /** Runs the benchmark in the background and publishes the report; the future completes with it. */
    public CompletableFuture<BenchmarkReport> benchmark(ActiveModel m, String trigger, String requestId, int runs) {
        return CompletableFuture.supplyAsync(() -> runAndPublish(m, trigger, requestId, runs), benchWorker);
    }

    private BenchmarkReport runAndPublish(ActiveModel m, String trigger, String requestId, int runs) {
        BenchmarkReport r = bench.run(new OnDeviceBenchmark.Request(m.model(), m.modelId(), trigger, requestId,
                m.accuracy(), m.evalSamples(), runs));
        if (!publish(Topics.Kind.BENCHMARK, r.toByteArray(), 1)) {
            LOG.warn("telemetry {}: benchmark report of {} not sent (not connected)", deviceId, m.modelId());
        }
        return r;
    }

    /** The batching publisher (counters for tests and the bench suite). */
    public TelemetryPublisher publisher() {
        return publisher;
    }

    /** Stops sampling and benchmarks; disconnects only a client of its own. */
    @Override
    public void close() {
        closed = true;
        sampler.close();
        ticks.shutdownNow();
        benchWorker.shutdownNow();
        if (ownClient) {
            try {
                if (client.isConnected()) {
                    client.disconnect(1000).waitForCompletion(2000);
                }
                client.close(true);
            } catch (MqttException e) {
                LOG.debug("telemetry {}: close: {}", deviceId, e.getMessage());
            }
        }
    }
}
