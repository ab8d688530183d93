package io.tinyfleet.server.telemetry;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.proto.v1.BenchmarkRequest;
import io.tinyfleet.proto.v1.HardwareSample;
import io.tinyfleet.proto.v1.TelemetryBatch;
import io.tinyfleet.server.broker.Broker;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The controller's telemetry MQTT client: subscribes to {@code telemetry} and {@code bench} of every
 * device, stores them ({@link TelemetryStore}), updates the gauges and the dashboard's live feed.
 * Starts when the HTTP server has started (so the broker is up); a malformed message is logged and
 * dropped, never thrown into Paho. Messages are applied on one worker thread, in arrival order.
 */
@Singleton
public class TelemetryIngest implements MqttCallback, ApplicationEventListener<ServerStartupEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryIngest.class);

    private final Broker broker;
    private final TelemetryStore store;
    private final TelemetryMetrics metrics;
    private final LiveFeed live;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tinyfleet-telemetry-ingest");
        t.setDaemon(true);
        return t;
    });
    private volatile MqttAsyncClient client;

    TelemetryIngest(Broker broker, TelemetryStore store, TelemetryMetrics metrics, LiveFeed live) {
        this.broker = broker;
        this.store = store;
        this.metrics = metrics;
        this.live = live;
    }

    @Override
    public void onApplicationEvent(ServerStartupEvent event) {
        start();
    }

    /**
     * Connects and subscribes (Paho reconnects by itself afterwards).
     *
     * @throws IllegalStateException naming the broker when it cannot be reached
     */
    public synchronized void start() {
        if (client != null) {
            return;
        }
        client = io.tinyfleet.server.broker.ControllerClients.connect(broker.url(), "telemetry", this, 0);
        try {
            subscribe();
        } catch (MqttException e) {
            throw new IllegalStateException("telemetry: cannot subscribe on MQTT broker " + broker.url() + ": "
                    + e.getMessage(), e);
        }
    }

    private void subscribe() throws MqttException {
        client.subscribe(new MqttSubscription[] {
                new MqttSubscription(Topics.allDevices(Topics.Kind.TELEMETRY), 0),
                new MqttSubscription(Topics.allDevices(Topics.Kind.BENCHMARK), 1)}).waitForCompletion(5000);
    }

    /**
     * Applies one message (public for tests). Malformed payloads are logged and dropped.
     *
     * @return true when applied
     */
    public boolean handle(String topic, byte[] payload) {
        var parsed = Topics.parse(topic);
        if (parsed.isEmpty() || payload.length == 0) {
            return false;
        }
        String id = parsed.get().deviceId();
        try {
            switch (parsed.get().kind()) {
                case TELEMETRY -> {
                    TelemetryBatch b = TelemetryBatch.parseFrom(payload);
                    requireSame(id, b.getDeviceId(), topic);
                    TelemetryStore.BatchOutcome out = store.store(b);
                    metrics.onSamples(id, out.latest().orElse(null), out.stored(), out.lostInBatch(), b.getMemoryBudgetBytes());
                    if (out.lostInBatch() > 0) {
                        LOG.info("telemetry of {}: {} samples lost before seq {} (total {})", id, out.lostInBatch(),
                                out.tracker().lastSeq(), out.tracker().lost());
                    }
                    if (out.stored() > 0) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("device", id);
                        e.put("emulated", b.getEmulated());
                        e.put("lost", out.tracker().lost());
                        e.put("memoryBudgetBytes", b.getMemoryBudgetBytes() > 0 ? b.getMemoryBudgetBytes() : null);
                        e.put("samples", b.getSamplesList().stream().map(s -> point(s, b.getMemoryBudgetBytes())).toList());
                        live.emit("sample", e);
                    }
                    return true;
                }
                case BENCHMARK -> {
                    BenchmarkReport r = BenchmarkReport.parseFrom(payload);
                    requireSame(id, r.getDeviceId(), topic);
                    TelemetryViews.Benchmark v = store.store(r);
                    metrics.onBenchmark(v);
                    live.emit("benchmark", Map.of("device", id, "id", v.id(), "ok", v.ok(), "model", v.modelId()));
                    return true;
                }
                default -> {
                    return false;
                }
            }
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            LOG.warn("dropped malformed {} on {} ({} bytes): {}", parsed.get().kind().segment(), topic, payload.length,
                    e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("failed to apply {} on {}: {}", parsed.get().kind().segment(), topic, e.toString());
        }
        return false;
    }

    private static Map<String, Object> point(HardwareSample s, long budget) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("t", s.getTimestampMs());
        m.put("seq", s.getSeq());
        m.put("cpuLoad", s.getCpuLoad() >= 0 ? s.getCpuLoad() : null);
        Long rss = s.getProcessRssBytes() >= 0 ? s.getProcessRssBytes() : null;
        m.put("processRssBytes", rss);
        m.put("overMemoryBudget", TelemetryViews.overBudget(rss, budget));
        m.put("memoryUsedBytes", s.getMemoryUsedBytes() >= 0 ? s.getMemoryUsedBytes() : null);
        m.put("memoryTotalBytes", s.getMemoryTotalBytes() >= 0 ? s.getMemoryTotalBytes() : null);
        m.put("temperatureC", TelemetryStore.value(s.getCpuTemperatureC()));
        m.put("powerW", TelemetryStore.value(s.getPowerW()));
        m.put("powerSource", TelemetryStore.source(s.getPowerW()));
        return m;
    }

    private static void requireSame(String inTopic, String inMessage, String topic) {
        if (!inTopic.equals(inMessage)) {
            throw new IllegalArgumentException("device id '" + inMessage + "' in the message does not match topic " + topic);
        }
    }

    /**
     * Asks a device to run its on-device benchmark now.
     *
     * @return the request id
     * @throws IllegalStateException when the controller is not connected to the broker
     */
    public String requestBenchmark(String deviceId, int latencyRuns) {
        MqttAsyncClient c = client;
        if (c == null || !c.isConnected()) {
            throw new IllegalStateException("telemetry ingest is not connected to the MQTT broker " + broker.url());
        }
        String req = UUID.randomUUID().toString();
        MqttMessage m = new MqttMessage(BenchmarkRequest.newBuilder().setRequestId(req)
                .setTimestampMs(System.currentTimeMillis()).setLatencyRuns(Math.max(0, latencyRuns)).build().toByteArray());
        m.setQos(1);
        try {
            c.publish(Topics.device(deviceId, Topics.Kind.BENCHMARK_REQUEST), m);
        } catch (MqttException e) {
            throw new IllegalStateException("benchmark request to " + deviceId + " not sent: " + e.getMessage(), e);
        }
        return req;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        byte[] payload = message.getPayload();
        worker.execute(() -> handle(topic, payload));
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        if (reconnect) {
            Thread t = new Thread(() -> {
                try {
                    subscribe();
                } catch (MqttException e) {
                    LOG.warn("telemetry resubscribe to {} failed: {}", serverURI, e.getMessage());
                }
            }, "tinyfleet-telemetry-resubscribe");
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        LOG.warn("telemetry ingest lost MQTT broker {}; reconnecting", broker.url());
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        LOG.debug("telemetry MQTT error: {}", exception.getMessage());
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }

    /** Disconnects before the broker stops. */
    @PreDestroy
    public synchronized void stop() {
        worker.shutdownNow();
        MqttAsyncClient c = client;
        client = null;
        if (c != null) {
            try {
                if (c.isConnected()) {
                    c.disconnect(1000).waitForCompletion(2000);
                }
                c.close(true);
            } catch (MqttException e) {
                LOG.debug("telemetry disconnect: {}", e.getMessage());
            }
        }
    }

}
