package io.tinyfleet.server.broker;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.tinyfleet.server.ControllerSettings;
import jakarta.inject.Singleton;

/** Makes the {@link Broker}: the external one when {@code tinyfleet.mqtt.broker} names it, else embedded. */
@Factory
final class BrokerFactory {

    @Singleton
    @Bean(preDestroy = "close")
    Broker broker(ControllerSettings settings) {
        return settings.externalBroker()
                .<Broker>map(ExternalBroker::new)
                .orElseGet(() -> new EmbeddedHiveMqBroker(settings.home().resolve("broker"),
                        settings.mqttBind(), settings.mqttPort()).start());
    }
}
