package io.tinyfleet.agent.mqtt;

import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.v1.DeathReason;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's MQTT 5 session with the fleet broker (Eclipse Paho).
 *
 * <p>Each connection is a new session with a new session number: its last will is a retained
 * {@code DeviceDeath(CONNECTION_LOST)} for that number, and right after connecting the agent
 * publishes a retained {@code DeviceBirth} with it, then heartbeats. When the connection drops
 * (broker restart, network) it reconnects with exponential back-off and jitter and announces a new
 * birth. The loop is our own instead of Paho's automatic reconnect because Paho reuses the
 * connect options, so the will would still carry the old session number.
 *
 * <p>All connection work runs on one scheduler thread; Paho's callbacks only hand over to it.
 */
public final class FleetSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FleetSession.class);

    private final AgentConfig config;
    private final Announcements messages;
    private final SessionCounter counter;
    private final ScheduledExecutorService scheduler;
    private final MqttAsyncClient client;
    private final AtomicLong beat = new AtomicLong();
    private final AtomicInteger sessions = new AtomicInteger();
    private volatile long sessionSeq;
    private volatile boolean closed;
    private ScheduledFuture<?> heartbeats;
    private long backoffMs;
    private boolean reconnectPending;
    private volatile Runnable onSessionUp = () -> { };

    /**
     * @param config   broker, id, timings
     * @param messages builds birth, death and heartbeat messages
     * @param counter  the persistent session counter
     */
    public FleetSession(AgentConfig config, Announcements messages, SessionCounter counter) {
        this.config = config;
        this.messages = messages;
        this.counter = counter;
        this.backoffMs = config.reconnectMinDelay().toMillis();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tinyfleet-agent-" + config.deviceId());
            t.setDaemon(true);
            return t;
        });
        try {
            this.client = new MqttAsyncClient(config.brokerUrl(), config.deviceId(), new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalArgumentException("MQTT broker " + config.brokerUrl() + ": " + e.getMessage(), e);
        }
        client.setCallback(new Callback());
    }

    /** Starts connecting in the background; failures are retried with back-off. */
    public void start() {
        scheduler.execute(this::connect);
    }

    /** Runs {@code hook} after every new session is up (OTA resubscribes and resumes there). */
    public void onSessionUp(Runnable hook) {
        this.onSessionUp = hook;
    }

    /** The Paho client, for features that add their own subscriptions (OTA). */
    public MqttAsyncClient client() {
        return client;
    }

    /** The current session number (0 before the first connection). */
    public long sessionSeq() {
        return sessionSeq;
    }

    /** How many sessions have been established so far (1 after the first connect). */
    public int sessionsEstablished() {
        return sessions.get();
    }

    /** Whether the client is connected now. */
    public boolean isConnected() {
        return client.isConnected();
    }

    private void connect() {
        reconnectPending = false;
        if (closed || client.isConnected()) {
            return;
        }
        long seq = counter.next();
        MqttConnectionOptions opts = new MqttConnectionOptions();
        opts.setSocketFactory(io.tinyfleet.proto.net.TcpNoDelaySocketFactory.forBroker(config.brokerUrl())); // small OTA/fleet writes leave at once
        opts.setCleanStart(true);
        opts.setSessionExpiryInterval(0L);
        opts.setKeepAliveInterval(config.keepAliveS());
        opts.setConnectionTimeout(config.connectTimeoutS());
        opts.setAutomaticReconnect(false);
        MqttMessage will = new MqttMessage(messages.death(seq, DeathReason.DEATH_REASON_CONNECTION_LOST).toByteArray());
        will.setQos(1);
        will.setRetained(true);
        opts.setWill(Topics.device(config.deviceId(), Topics.Kind.DEATH), will);
        try {
            client.connect(opts).waitForCompletion(config.connectTimeoutS() * 1000L + 2000L);
        } catch (MqttException e) {
            LOG.warn("agent {}: cannot connect to MQTT broker {}: {}; retrying in {} ms",
                    config.deviceId(), config.brokerUrl(), describe(e), backoffMs);
            scheduleReconnect();
            return;
        }
        sessionSeq = seq;
        beat.set(0);
        backoffMs = config.reconnectMinDelay().toMillis();
        try {
            publish(Topics.Kind.BIRTH, messages.birth(seq).toByteArray(), 1, true)
                    .waitForCompletion(config.connectTimeoutS() * 1000L);
        } catch (MqttException e) {
            LOG.warn("agent {}: birth not delivered: {}", config.deviceId(), describe(e));
            return; // the connection is going down; the disconnect callback reconnects
        }
        sessions.incrementAndGet();
        onSessionUp.run();
        LOG.info("agent {}: connected to {} (session {})", config.deviceId(), config.brokerUrl(), seq);
        long period = config.heartbeatInterval().toMillis();
        heartbeats = scheduler.scheduleAtFixedRate(this::heartbeat, period, period, TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        if (closed || !client.isConnected()) {
            return;
        }
        try {
            publish(Topics.Kind.HEARTBEAT, messages.heartbeat(sessionSeq, beat.incrementAndGet()).toByteArray(), 0, false);
        } catch (MqttException e) {
            LOG.debug("agent {}: heartbeat not sent: {}", config.deviceId(), describe(e));
        }
    }

    private IMqttToken publish(Topics.Kind kind, byte[] payload, int qos, boolean retained) throws MqttException {
        MqttMessage m = new MqttMessage(payload);
        m.setQos(qos);
        m.setRetained(retained);
        return client.publish(Topics.device(config.deviceId(), kind), m);
    }

    private void scheduleReconnect() {
        if (closed || reconnectPending) {
            return;
        }
        reconnectPending = true;
        long delay = backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 5 + 1);
        backoffMs = Math.min(config.reconnectMaxDelay().toMillis(), backoffMs * 2);
        scheduler.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void onConnectionLost(String why) {
        if (closed) {
            return;
        }
        LOG.warn("agent {}: lost connection to {}: {}; reconnecting", config.deviceId(), config.brokerUrl(), why);
        try {
            scheduler.execute(() -> {
                if (heartbeats != null) {
                    heartbeats.cancel(false);
                    heartbeats = null;
                }
                scheduleReconnect();
            });
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // closing
        }
    }

    /**
     * Clean shutdown: publishes a retained death (reason SHUTDOWN) for the current session, then
     * disconnects normally, so the broker discards the will.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            scheduler.submit(() -> {
                if (heartbeats != null) {
                    heartbeats.cancel(false);
                }
                if (client.isConnected()) {
                    try {
                        publish(Topics.Kind.DEATH,
                                messages.death(sessionSeq, DeathReason.DEATH_REASON_SHUTDOWN).toByteArray(), 1, true)
                                .waitForCompletion(2000);
                        client.disconnect(2000).waitForCompletion(3000);
                    } catch (MqttException e) {
                        LOG.debug("agent {}: clean disconnect failed: {}", config.deviceId(), describe(e));
                    }
                }
            }).get(6, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("agent {}: shutdown: {}", config.deviceId(), e.toString());
        } finally {
            scheduler.shutdownNow();
            closeClient();
        }
    }

    /**
     * Simulates a crash or power loss: drops the TCP connection without an MQTT DISCONNECT and stops,
     * so the broker publishes the last will. For tests and demos.
     */
    public void crash() {
        closed = true;
        scheduler.shutdownNow();
        try {
            client.disconnectForcibly(0, 100, false);
        } catch (MqttException e) {
            LOG.debug("agent {}: forced disconnect: {}", config.deviceId(), describe(e));
        }
        closeClient();
    }

    private void closeClient() {
        try {
            client.close(true);
        } catch (MqttException e) {
            LOG.debug("agent {}: close: {}", config.deviceId(), describe(e));
        }
    }

    /** Waits until at least {@code n} sessions have been established; false on timeout. */
    public boolean awaitSessions(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (sessions.get() < n) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static String describe(MqttException e) {
        Throwable c = e.getCause();
        String msg = e.getMessage();
        return c != null && c.getMessage() != null ? msg + " (" + c.getMessage() + ")" : msg;
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            onConnectionLost(response.getReasonString() != null ? response.getReasonString()
                    : response.getException() != null ? describe(response.getException())
                    : "reason code " + response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            LOG.debug("agent {}: MQTT error: {}", config.deviceId(), describe(exception));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            // the agent subscribes to nothing yet (deployments come in a later issue)
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}
