package io.tinyfleet.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.server.fleet.FleetService;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The controller's fleet meters. Scraped at {@code GET /prometheus} as
 * {@code tinyfleet_devices{state="online"|"offline"}}, {@code tinyfleet_mqtt_messages_in_total{kind}}
 * and {@code tinyfleet_mqtt_messages_dropped_total{reason}}.
 */
@Singleton
public class FleetMetrics {

    private final MeterRegistry registry;
    private final Map<Topics.Kind, Counter> in = new ConcurrentHashMap<>();

    FleetMetrics(MeterRegistry registry, FleetService fleet) {
        this.registry = registry;
        Gauge.builder("tinyfleet.devices", fleet, f -> f.count(true))
                .tag("state", "online").description("devices online").register(registry);
        Gauge.builder("tinyfleet.devices", fleet, f -> f.count(false))
                .tag("state", "offline").description("devices known but offline").register(registry);
        // the registry's kinds exist from the start (at 0) so dashboards see them before traffic
        for (Topics.Kind k : List.of(Topics.Kind.BIRTH, Topics.Kind.DEATH, Topics.Kind.HEARTBEAT)) {
            counter(k);
        }
    }

    private Counter counter(Topics.Kind kind) {
        return in.computeIfAbsent(kind, k -> Counter.builder("tinyfleet.mqtt.messages.in").tag("kind", k.segment())
                .description("fleet messages received over MQTT").register(registry));
    }

    /** A message of {@code kind} arrived. */
    public void messageIn(Topics.Kind kind) {
        counter(kind).increment();
    }

    /** A message was dropped; {@code reason} is a short stable word (malformed, mismatch, error). */
    public void dropped(String reason) {
        Counter.builder("tinyfleet.mqtt.messages.dropped").tag("reason", reason)
                .description("fleet messages received but not applied").register(registry).increment();
    }
}
