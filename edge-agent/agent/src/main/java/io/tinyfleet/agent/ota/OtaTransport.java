package io.tinyfleet.agent.ota;

import java.io.IOException;

/**
 * What the OTA receiver needs from an MQTT 5 connection. {@link PahoOtaTransport} implements it
 * over a Paho client; tests plug in fault-injecting or in-memory versions.
 */
public interface OtaTransport {

    /** Receives messages of a subscription. */
    @FunctionalInterface
    interface Handler {
        /**
         * @param topic       the topic the message arrived on
         * @param payload     its bytes
         * @param correlation MQTT 5 correlation data, or null
         */
        void onMessage(String topic, byte[] payload, byte[] correlation);
    }

    /** Subscribes (QoS 1) to {@code filter}. Called again after every reconnect. */
    void subscribe(String filter, Handler handler) throws IOException;

    /** Publishes a message. */
    void publish(String topic, byte[] payload, int qos, boolean retained) throws IOException;

    /**
     * Publishes an MQTT 5 request (at most once; the receiver re-requests after a time-out): the
     * reply goes to {@code responseTopic} carrying {@code correlation}.
     */
    void request(String topic, byte[] payload, String responseTopic, byte[] correlation) throws IOException;
}
