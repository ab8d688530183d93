package io.tinyfleet.server.fleet;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/** Runs {@link FleetService#expireSilentDevices} every {@code tinyfleet.fleet.tick-interval}. */
@Singleton
public class FleetTicker {

    private static final Logger LOG = LoggerFactory.getLogger(FleetTicker.class);
    private final FleetService fleet;

    FleetTicker(FleetService fleet) {
        this.fleet = fleet;
    }

    /** One tick. */
    @Scheduled(fixedDelay = "${tinyfleet.fleet.tick-interval:2s}", initialDelay = "${tinyfleet.fleet.tick-interval:2s}")
    public void tick() {
        try {
            fleet.expireSilentDevices(Instant.now());
        } catch (RuntimeException e) {
            LOG.warn("fleet tick failed: {}", e.toString());
        }
    }
}
