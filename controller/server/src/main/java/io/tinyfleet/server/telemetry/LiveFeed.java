package io.tinyfleet.server.telemetry;

import io.micronaut.http.sse.Event;
import jakarta.inject.Singleton;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.Map;

/**
 * Live events for the dashboard (Server-Sent Events at {@code GET /api/live}): {@code sample} with a
 * device's new hardware samples, {@code benchmark} with a report, and a {@code ping} every 15 s so
 * proxies keep the stream open. Slow clients lose events (best effort), never block the ingest.
 */
@Singleton
public class LiveFeed {

    private final Sinks.Many<Event<Map<String, Object>>> sink = Sinks.many().multicast().directBestEffort();

    /** Publishes one event to every connected dashboard. */
    public void emit(String name, Map<String, Object> data) {
        sink.tryEmitNext(Event.of(data).name(name));
    }

    /** The stream a new client receives. */
    public Flux<Event<Map<String, Object>>> stream() {
        Flux<Event<Map<String, Object>>> pings = Flux.interval(Duration.ofSeconds(15))
                .map(i -> Event.of(Map.<String, Object>of("t", System.currentTimeMillis())).name("ping"));
        return Flux.merge(Flux.just(Event.of(Map.<String, Object>of("t", System.currentTimeMillis())).name("hello")),
                sink.asFlux(), pings);
    }
}
