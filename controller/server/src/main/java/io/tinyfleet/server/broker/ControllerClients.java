package io.tinyfleet.server.broker;

import java.util.UUID;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * The controller's auto-reconnecting MQTT clients (OTA link, telemetry ingest): in-memory
 * persistence, a clean session, Paho's reconnect every 1-5 s, keep-alive 10 s. Each caller
 * resubscribes in its callback's {@code connectComplete}.
 */
public final class ControllerClients {

    private ControllerClients() {
    }

    /**
     * Connects a client named {@code tinyfleet-<purpose>-<random>} to {@code url}.
     *
     * @param receiveMaximum publishes the broker may send unacknowledged, or 0 for Paho's default
     * @throws IllegalStateException naming the purpose and the broker when it cannot be reached
     */
    public static MqttAsyncClient connect(String url, String purpose, MqttCallback callback, int receiveMaximum) {
        try {
            MqttAsyncClient c = new MqttAsyncClient(url,
                    "tinyfleet-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
            c.setCallback(callback);
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setSocketFactory(io.tinyfleet.proto.net.TcpNoDelaySocketFactory.forBroker(url)); // small OTA writes leave at once
            o.setCleanStart(true);
            o.setSessionExpiryInterval(0L);
            o.setAutomaticReconnect(true);
            o.setAutomaticReconnectDelay(1, 5);
            o.setKeepAliveInterval(10);
            o.setConnectionTimeout(5);
            if (receiveMaximum > 0) {
                o.setReceiveMaximum(receiveMaximum);
            }
            c.connect(o).waitForCompletion(6000);
            return c;
        } catch (MqttException e) {
            throw new IllegalStateException(purpose + ": cannot reach MQTT broker " + url + ": " + e.getMessage(), e);
        }
    }
}
