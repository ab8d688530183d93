package io.tinyfleet.server;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.nio.file.Path;
import java.util.Optional;

/** The controller's own settings ({@code tinyfleet.*}), read once. */
@Singleton
public final class ControllerSettings {

    private final Path home;
    private final int mqttPort;
    private final String mqttBind;
    private final String externalBroker;
    private final int missedHeartbeats;

    ControllerSettings(@Value("${tinyfleet.home}") String home,
                       @Value("${tinyfleet.mqtt.port:1883}") int mqttPort,
                       @Value("${tinyfleet.mqtt.bind:127.0.0.1}") String mqttBind,
                       @Nullable @Value("${tinyfleet.mqtt.broker:}") String externalBroker,
                       @Value("${tinyfleet.fleet.missed-heartbeats:3}") int missedHeartbeats) {
        this.home = Path.of(home).toAbsolutePath();
        this.mqttPort = mqttPort;
        this.mqttBind = mqttBind;
        this.externalBroker = externalBroker == null || externalBroker.isBlank() ? null : externalBroker.trim();
        this.missedHeartbeats = missedHeartbeats;
    }

    /** Folder for the database, keys, artifacts and the embedded broker's files. */
    public Path home() {
        return home;
    }

    /** Port of the embedded broker. */
    public int mqttPort() {
        return mqttPort;
    }

    /** Address the embedded broker listens on. */
    public String mqttBind() {
        return mqttBind;
    }

    /** URL of an external broker, when one is used instead of the embedded one. */
    public Optional<String> externalBroker() {
        return Optional.ofNullable(externalBroker);
    }

    /** Heartbeat intervals without a message after which a device counts as offline. */
    public int missedHeartbeats() {
        return missedHeartbeats;
    }
}
