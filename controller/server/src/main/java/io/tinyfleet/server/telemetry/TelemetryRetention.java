package io.tinyfleet.server.telemetry;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Every minute, deletes hardware samples older than {@code tinyfleet.telemetry.retention} (default 24 h)
 * and benchmark reports older than {@code tinyfleet.telemetry.benchmark-retention} (default 365 days).
 */
@Singleton
public class TelemetryRetention {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryRetention.class);

    private final TelemetryStore store;

    TelemetryRetention(TelemetryStore store) {
        this.store = store;
    }

    /** One pruning pass (the scheduler calls it; tests call it directly). */
    @Scheduled(fixedDelay = "${tinyfleet.telemetry.prune-interval:1m}", initialDelay = "10s")
    public void prune() {
        try {
            int n = store.prune(Instant.now());
            if (n > 0) {
                LOG.debug("telemetry retention: {} rows older than {} deleted", n, store.retention());
            }
        } catch (RuntimeException e) {
            LOG.warn("telemetry retention failed: {}", e.getMessage());
        }
    }
}
