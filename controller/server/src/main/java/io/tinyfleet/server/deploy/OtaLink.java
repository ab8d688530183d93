package io.tinyfleet.server.deploy;

import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.v1.Chunk;
import io.tinyfleet.proto.v1.ChunkRequest;
import io.tinyfleet.proto.v1.DeploymentStatus;
import io.tinyfleet.proto.v1.DesiredState;
import io.tinyfleet.proto.v1.SignedManifest;
import io.tinyfleet.server.rollout.DesiredStatePublisher;
import io.tinyfleet.server.rollout.RolloutEngine;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's OTA MQTT client (its own Paho connection beside the registry's ingest):
 * publishes retained desired states, answers chunk requests on the requester's response topic
 * with its correlation data (MQTT 5 request/response), and feeds device statuses to the
 * {@link RolloutEngine}. Work runs on its own threads, never on Paho's callback thread; at most
 * {@code maxInFlight} chunk responses are unacknowledged, below the broker's receive maximum, or
 * Paho fails publishes with 32202.
 */
public final class OtaLink implements DesiredStatePublisher, MqttCallback, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OtaLink.class);

    private final String brokerUrl;
    private final ChunkServer chunks;
    private final Semaphore inFlight;
    private final ExecutorService chunkWorker = Executors.newSingleThreadExecutor(r -> daemon(r, "tinyfleet-ota-chunks"));
    private final ExecutorService statusWorker = Executors.newSingleThreadExecutor(r -> daemon(r, "tinyfleet-ota-status"));
    private final AtomicLong chunksServed = new AtomicLong();
    private final AtomicLong bytesServed = new AtomicLong();
    private volatile RolloutEngine engine;
    private MqttAsyncClient client;

    public OtaLink(String brokerUrl, ChunkServer chunks, int maxInFlight) {
        this.brokerUrl = brokerUrl;
        this.chunks = chunks;
        this.inFlight = new Semaphore(maxInFlight);
    }

    /** Where statuses go (set before {@link #start}). */
    public void setEngine(RolloutEngine engine) {
        this.engine = engine;
    }

    /**
     * Connects and subscribes; Paho reconnects by itself afterwards and {@link #connectComplete} subscribes again.
     *
     * @throws IllegalStateException "cannot reach MQTT broker URL: ..."
     */
    public synchronized void start() {
        if (client != null) {
            return;
        }
        client = io.tinyfleet.server.broker.ControllerClients.connect(brokerUrl, "ota", this, 1000);
        try {
            subscribe();
        } catch (MqttException e) {
            throw new IllegalStateException("ota: cannot subscribe on MQTT broker " + brokerUrl + ": "
                    + e.getMessage(), e);
        }
    }

    private void subscribe() throws MqttException {
        client.subscribe(new MqttSubscription[] {
                new MqttSubscription(Topics.allDevices(Topics.Kind.CHUNK_REQUEST), 1),
                new MqttSubscription(Topics.allDevices(Topics.Kind.OTA_STATUS), 1)}).waitForCompletion(5000);
    }

    /** Chunks and bytes served so far. */
    public long[] served() {
        return new long[] {chunksServed.get(), bytesServed.get()};
    }

    @Override
    public void publish(String deviceId, SignedManifest manifest) {
        byte[] payload = manifest == null ? new byte[0]
                : DesiredState.newBuilder().setManifest(manifest).setTimestampMs(System.currentTimeMillis()).build()
                .toByteArray();
        MqttMessage m = new MqttMessage(payload);
        m.setQos(1);
        m.setRetained(true);
        try {
            // shares the in-flight budget with chunk responses: together they must stay below the
            // broker's receive maximum, or Paho refuses with "Too many publishes in progress" (32202)
            if (!inFlight.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("cannot publish desired state for " + deviceId
                        + ": no publish slot in 10 s (chunk responses hold them all)");
            }
            try {
                send(Topics.device(deviceId, Topics.Kind.DESIRED), m, null).waitForCompletion(10_000);
            } finally {
                inFlight.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing desired state for " + deviceId, e);
        } catch (MqttException e) {
            // retried by nobody: the rollout shows the device as QUEUED; say so loudly
            LOG.error("desired state for {} not published: {}", deviceId, e.getMessage());
            throw new IllegalStateException("cannot publish desired state for " + deviceId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        Optional<Topics.Parsed> p = Topics.parse(topic);
        if (p.isEmpty()) {
            return;
        }
        byte[] payload = message.getPayload();
        try {
            switch (p.get().kind()) {
                case CHUNK_REQUEST -> {
                    MqttProperties props = message.getProperties();
                    String responseTopic = props == null ? null : props.getResponseTopic();
                    byte[] corr = props == null ? null : props.getCorrelationData();
                    String expected = Topics.device(p.get().deviceId(), Topics.Kind.CHUNK);
                    if (!expected.equals(responseTopic)) {
                        LOG.warn("chunk request from {} names response topic {}; answering on {}", p.get().deviceId(),
                                responseTopic, expected);
                    }
                    ChunkRequest req = ChunkRequest.parseFrom(payload);
                    chunkWorker.execute(() -> answer(req, expected, corr));
                }
                case OTA_STATUS -> {
                    DeploymentStatus s = DeploymentStatus.parseFrom(payload);
                    if (!s.getDeviceId().equals(p.get().deviceId())) {
                        LOG.warn("status on {} claims device {}: dropped", topic, s.getDeviceId());
                        return;
                    }
                    statusWorker.execute(() -> {
                        RolloutEngine e = engine;
                        if (e != null) {
                            try {
                                e.onStatus(s);
                            } catch (RuntimeException ex) {
                                LOG.error("status of {} not recorded: {}", s.getDeviceId(), ex.toString());
                            }
                        }
                    });
                }
                default -> {
                }
            }
        } catch (Exception e) {
            LOG.warn("dropped malformed OTA message on {}: {}", topic, e.toString());
        }
    }

    // Only the device's own chunk topic is ever answered, so a request cannot aim chunks at another device.
    private void answer(ChunkRequest req, String responseTopic, byte[] correlation) {
        for (Chunk c : chunks.serve(req)) {
            MqttMessage m = new MqttMessage(c.toByteArray());
            m.setQos(1);
            MqttProperties props = new MqttProperties();
            if (correlation != null) {
                props.setCorrelationData(correlation);
            }
            m.setProperties(props);
            try {
                if (!inFlight.tryAcquire(30, TimeUnit.SECONDS)) {
                    LOG.warn("chunk {} of {} dropped: no publish slot in 30 s", c.getIndex(), c.getDeploymentId());
                    continue;
                }
                send(responseTopic, m, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken t) {
                        inFlight.release();
                    }

                    @Override
                    public void onFailure(IMqttToken t, Throwable e) {
                        inFlight.release();
                    }
                });
                chunksServed.incrementAndGet();
                bytesServed.addAndGet(c.getData().size());
            } catch (MqttException e) {
                inFlight.release();
                LOG.debug("chunk {} of {} not sent: {}", c.getIndex(), c.getDeploymentId(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Publishes, waiting out Paho's "Too many publishes in progress" (32202): Paho completes a
     * publish's token (our listener frees its slot) before it lowers its own in-flight count, so a
     * slot freed that way can still be refused for a moment. Dropping the chunk instead would stall
     * the device for a whole request time-out.
     */
    private IMqttToken send(String topic, MqttMessage m, MqttActionListener listener)
            throws MqttException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return client.publish(topic, m, null, listener);
            } catch (MqttException e) {
                if (e.getReasonCode() != org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT
                        || System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(1);
            }
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        if (reconnect) {
            statusWorker.execute(() -> {
                try {
                    subscribe();
                    RolloutEngine e = engine;
                    if (e != null) {
                        LOG.info("OTA link reconnected: republished {} desired states", e.republishDesired());
                    }
                } catch (MqttException | RuntimeException e) {
                    LOG.warn("OTA resubscribe failed: {}", e.getMessage());
                }
            });
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse r) {
        LOG.warn("OTA link lost the broker: {}", r);
    }

    @Override
    public void mqttErrorOccurred(MqttException e) {
        LOG.debug("OTA MQTT error: {}", e.getMessage());
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }

    @Override
    public synchronized void close() {
        chunkWorker.shutdownNow();
        statusWorker.shutdownNow();
        if (client != null) {
            try {
                if (client.isConnected()) {
                    client.disconnect(1000).waitForCompletion(2000);
                }
                client.close(true);
            } catch (MqttException e) {
                LOG.debug("OTA link close: {}", e.getMessage());
            }
            client = null;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
