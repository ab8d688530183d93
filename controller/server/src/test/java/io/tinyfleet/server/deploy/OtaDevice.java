package io.tinyfleet.server.deploy;

import io.tinyfleet.agent.ota.OtaAgent;
import io.tinyfleet.agent.ota.OtaTransport;
import io.tinyfleet.agent.ota.PahoOtaTransport;
import io.tinyfleet.proto.sign.ManifestVerifier;
import io.tinyfleet.runtime.session.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A device for OTA tests: a Paho client with automatic reconnect whose every (re)connection
 * calls {@link OtaAgent#onConnected()}, and which records each chunk request it sends.
 */
final class OtaDevice implements AutoCloseable {

    final MqttAsyncClient client;
    final OtaAgent agent;
    final List<Integer> requested = new CopyOnWriteArrayList<>();

    OtaDevice(String broker, String id, Path home, PublicKey controllerKey, OtaAgent.Options options) throws Exception {
        client = new MqttAsyncClient(broker, id, new MemoryPersistence());
        OtaTransport paho = new PahoOtaTransport(client);
        OtaTransport counting = new OtaTransport() {
            @Override
            public void subscribe(String filter, Handler handler) throws IOException {
                paho.subscribe(filter, handler);
            }

            @Override
            public void publish(String topic, byte[] payload, int qos, boolean retained) throws IOException {
                paho.publish(topic, payload, qos, retained);
            }

            @Override
            public void request(String topic, byte[] payload, String responseTopic, byte[] corr) throws IOException {
                requested.addAll(io.tinyfleet.proto.v1.ChunkRequest.parseFrom(payload).getIndicesList());
                paho.request(topic, payload, responseTopic, corr);
            }
        };
        agent = new OtaAgent(id, home, new ManifestVerifier(controllerKey), counting, RuntimeOptions.defaults(), options);
        client.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse r) {
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                agent.onConnected();
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        agent.start();
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setAutomaticReconnect(true);
        o.setAutomaticReconnectDelay(1, 2);
        o.setConnectionTimeout(5);
        o.setKeepAliveInterval(5);
        client.connect(o).waitForCompletion(10_000);
    }

    @Override
    public void close() throws Exception {
        agent.close();
        try {
            client.disconnect(500).waitForCompletion(1000);
        } catch (MqttException ignored) {
            // already gone
        }
        client.close(true);
    }
}
