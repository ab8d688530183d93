package io.tinyfleet.server.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.proto.v1.DeviceDeath;
import io.tinyfleet.proto.v1.Heartbeat;
import io.tinyfleet.server.broker.Broker;
import io.tinyfleet.server.metrics.FleetMetrics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The controller's MQTT client: subscribes to births, deaths and heartbeats of every device and
 * feeds them to {@link FleetService}.
 *
 * <p>Plain subscriptions, not MQTT 5 shared ones ({@code $share/...}): brokers do not send retained
 * messages to shared subscriptions, and the retained births/deaths are what rebuild the registry
 * after a controller restart. A malformed message is logged, counted and dropped; nothing thrown
 * from here may reach Paho, which would drop the connection.
 *
 * <p>Reconnects with its own loop (0.5 s doubling to 5 s) rather than Paho's automatic reconnect:
 * in a broker-restart test under load, Paho's automatic reconnect stayed silent for over 30 s
 * while the agents were long back, and the loop also gives one place to subscribe again.
 */
@Singleton
public class FleetIngest implements MqttCallback {

    private static final Logger LOG = LoggerFactory.getLogger(FleetIngest.class);
    private static final int CONNECT_TIMEOUT_S = 5;

    private final Broker broker;
    private final FleetService fleet;
    private final FleetMetrics metrics;
    private static final long MIN_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final ScheduledExecutorService reconnector = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tinyfleet-ingest-reconnect");
        t.setDaemon(true);
        return t;
    });
    private volatile MqttAsyncClient client;
    private volatile boolean stopped;
    private long backoffMs = MIN_BACKOFF_MS;
    private boolean reconnectPending;

    FleetIngest(Broker broker, FleetService fleet, FleetMetrics metrics) {
        this.broker = broker;
        this.fleet = fleet;
        this.metrics = metrics;
    }

    /**
     * Connects and subscribes; afterwards a lost connection is retried in the background.
     *
     * @throws IllegalStateException "cannot reach MQTT broker tcp://...: ..." when the first connect fails
     */
    public synchronized void start() {
        if (client != null) {
            return;
        }
        String url = broker.url();
        try {
            MqttAsyncClient c = new MqttAsyncClient(url,
                    "tinyfleet-controller-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
            c.setCallback(this);
            try {
                c.connect(options()).waitForCompletion(CONNECT_TIMEOUT_S * 1000L + 1000L);
            } catch (MqttException e) {
                closeQuietly(c);
                throw new IllegalStateException("cannot reach MQTT broker " + url + ": " + describe(e), e);
            }
            client = c;
            subscribe();
        } catch (MqttException e) {
            throw new IllegalStateException("MQTT broker " + url + ": " + describe(e), e);
        }
    }

    private MqttConnectionOptions options() {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setSocketFactory(io.tinyfleet.proto.net.TcpNoDelaySocketFactory.forBroker(broker.url())); // small OTA/fleet writes leave at once
        o.setCleanStart(true);
        o.setSessionExpiryInterval(0L);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(10);
        o.setConnectionTimeout(CONNECT_TIMEOUT_S);
        return o;
    }

    /** On the reconnect thread: one attempt, then subscribe, or schedule the next attempt. */
    private void reconnect() {
        synchronized (this) {
            reconnectPending = false;
        }
        MqttAsyncClient c = client;
        if (stopped || c == null || c.isConnected()) {
            return;
        }
        try {
            c.connect(options()).waitForCompletion(CONNECT_TIMEOUT_S * 1000L + 1000L);
            subscribe();
            synchronized (this) {
                backoffMs = MIN_BACKOFF_MS;
            }
            LOG.info("controller reconnected to MQTT broker {}", broker.url());
        } catch (MqttException e) {
            LOG.debug("reconnect to {} failed: {}", broker.url(), describe(e));
            if (c.isConnected()) {
                try {
                    c.disconnect(1000).waitForCompletion(2000); // connected but not subscribed: start over
                } catch (MqttException ignored) {
                    // the next attempt starts from scratch anyway
                }
            }
            scheduleReconnect();
        }
    }

    private synchronized void scheduleReconnect() {
        if (stopped || reconnectPending) {
            return;
        }
        reconnectPending = true;
        long delay = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        try {
            reconnector.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            reconnectPending = false; // stopping
        }
    }

    /** Whether the ingest client is connected now. */
    public boolean isConnected() {
        MqttAsyncClient c = client;
        return c != null && c.isConnected();
    }

    private void subscribe() throws MqttException {
        MqttSubscription[] subs = {
                new MqttSubscription(Topics.allDevices(Topics.Kind.BIRTH), 1),
                new MqttSubscription(Topics.allDevices(Topics.Kind.DEATH), 1),
                new MqttSubscription(Topics.allDevices(Topics.Kind.HEARTBEAT), 0),
        };
        client.subscribe(subs).waitForCompletion(CONNECT_TIMEOUT_S * 1000L);
    }

    /**
     * Applies one message. Public for tests: a malformed payload must be dropped, never thrown.
     *
     * @return what happened, or empty when dropped
     */
    public Optional<FleetService.Outcome> handle(String topic, byte[] payload, Instant now) {
        Optional<Topics.Parsed> parsed = Topics.parse(topic);
        if (parsed.isEmpty()) {
            LOG.debug("ignoring message on {}", topic);
            return Optional.empty();
        }
        Topics.Kind kind = parsed.get().kind();
        String deviceId = parsed.get().deviceId();
        metrics.messageIn(kind);
        if (payload.length == 0) {
            return Optional.empty(); // a cleared retained message
        }
        try {
            return Optional.of(switch (kind) {
                case BIRTH -> {
                    DeviceBirth b = DeviceBirth.parseFrom(payload);
                    requireSameId(b.getDeviceId(), deviceId, topic);
                    yield fleet.onBirth(b, now);
                }
                case DEATH -> {
                    DeviceDeath d = DeviceDeath.parseFrom(payload);
                    requireSameId(d.getDeviceId(), deviceId, topic);
                    yield fleet.onDeath(d, now);
                }
                case HEARTBEAT -> {
                    Heartbeat h = Heartbeat.parseFrom(payload);
                    requireSameId(h.getDeviceId(), deviceId, topic);
                    yield fleet.onHeartbeat(h, now);
                }
                default -> throw new IllegalStateException("not subscribed to " + kind.segment());
            });
        } catch (InvalidProtocolBufferException | IllegalArgumentException | IllegalStateException e) {
            LOG.warn("dropped malformed {} on {} ({} bytes): {}", kind.segment(), topic, payload.length, e.getMessage());
            metrics.dropped("malformed");
        } catch (RuntimeException e) {
            LOG.error("failed to apply {} on {}: {}", kind.segment(), topic, e.toString(), e);
            metrics.dropped("error");
        }
        return Optional.empty();
    }

    private static void requireSameId(String inMessage, String inTopic, String topic) {
        if (!inMessage.equals(inTopic)) {
            throw new IllegalArgumentException("device id '" + inMessage + "' in the message does not match topic " + topic);
        }
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        handle(topic, message.getPayload(), Instant.now());
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        if (stopped) {
            return;
        }
        LOG.warn("controller lost MQTT broker {}: {}; reconnecting", broker.url(),
                response.getException() != null ? describe(response.getException()) : response.getReasonString());
        scheduleReconnect();
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        LOG.debug("MQTT error: {}", describe(exception));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }

    /** Disconnects (before the broker stops). */
    @PreDestroy
    public synchronized void stop() {
        stopped = true;
        reconnector.shutdownNow();
        if (client != null) {
            try {
                if (client.isConnected()) {
                    client.disconnect(1000).waitForCompletion(2000);
                }
            } catch (MqttException e) {
                LOG.debug("disconnect: {}", describe(e));
            }
            closeQuietly(client);
            client = null;
        }
    }

    private static void closeQuietly(MqttAsyncClient c) {
        try {
            c.close(true);
        } catch (MqttException e) {
            LOG.debug("close: {}", e.toString());
        }
    }

    private static String describe(MqttException e) {
        Throwable c = e.getCause();
        return c != null && c.getMessage() != null ? e.getMessage() + " (" + c.getMessage() + ")" : e.getMessage();
    }
}
