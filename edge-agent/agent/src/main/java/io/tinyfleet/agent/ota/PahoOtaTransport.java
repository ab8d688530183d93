package io.tinyfleet.agent.ota;

import java.io.IOException;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * {@link OtaTransport} over a connected Paho MQTT 5 client (the agent's session client).
 * Subscriptions use per-subscription listeners, so they do not disturb the session's callback.
 */
public final class PahoOtaTransport implements OtaTransport {

    private final MqttAsyncClient client;

    /** @param client a Paho client; must be connected when methods are called */
    public PahoOtaTransport(MqttAsyncClient client) {
        this.client = client;
    }

    @Override
    public void subscribe(String filter, Handler handler) throws IOException {
        try {
            // Paho 1.2.5 reads a subscription identifier from these properties (0 = let it pick one)
            // and fails with IndexOutOfBounds when there is none.
            MqttProperties props = new MqttProperties();
            props.setSubscriptionIdentifiers(java.util.List.of(0));
            client.subscribe(new MqttSubscription(filter, 1), null, null, (topic, msg) -> handler.onMessage(topic,
                    msg.getPayload(), msg.getProperties() == null ? null : msg.getProperties().getCorrelationData()),
                    props).waitForCompletion(10_000);
        } catch (MqttException e) {
            throw new IOException("cannot subscribe to " + filter + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, boolean retained) throws IOException {
        MqttMessage m = new MqttMessage(payload);
        m.setQos(qos);
        m.setRetained(retained);
        send(topic, m);
    }

    @Override
    public void request(String topic, byte[] payload, String responseTopic, byte[] correlation) throws IOException {
        // QoS 0: a lost request only costs a time-out and a retry, while QoS 1 requests would share
        // the broker's receive maximum (HiveMQ: 10) with statuses and fail with 32202 when it is full.
        MqttMessage m = new MqttMessage(payload);
        m.setQos(0);
        MqttProperties p = new MqttProperties();
        p.setResponseTopic(responseTopic);
        p.setCorrelationData(correlation);
        m.setProperties(p);
        send(topic, m);
    }

    private void send(String topic, MqttMessage m) throws IOException {
        try {
            client.publish(topic, m);
        } catch (MqttException e) {
            throw new IOException("cannot publish to " + topic + ": " + e.getMessage(), e);
        }
    }
}
