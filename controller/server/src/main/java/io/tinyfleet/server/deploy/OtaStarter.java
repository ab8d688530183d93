package io.tinyfleet.server.deploy;

import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerShutdownEvent;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.tinyfleet.server.rollout.RolloutEngine;
import jakarta.inject.Singleton;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts OTA when the HTTP server is up: makes sure the signing key exists, connects the OTA
 * link, republishes desired states of live rollouts (an in-memory broker forgets retained
 * messages) and ticks {@link RolloutEngine#handleAll()} every {@code tinyfleet.ota.tick-interval}.
 */
@Singleton
public class OtaStarter {

    private static final Logger LOG = LoggerFactory.getLogger(OtaStarter.class);
    private final ControllerKeys keys;
    private final OtaLink link;
    private final RolloutEngine engine;
    private final OtaSettings settings;
    private ScheduledExecutorService ticker;

    OtaStarter(ControllerKeys keys, OtaLink link, RolloutEngine engine, OtaSettings settings) {
        this.keys = keys;
        this.link = link;
        this.engine = engine;
        this.settings = settings;
    }

    @EventListener
    void onStartup(ServerStartupEvent e) {
        start();
    }

    @EventListener
    void onShutdown(ServerShutdownEvent e) {
        stop();
    }

    /** Starts (idempotent). */
    public synchronized void start() {
        if (ticker != null) {
            return;
        }
        link.start();
        int n = engine.republishDesired();
        LOG.info("OTA ready: signing key {} ({}), {} desired states republished", keys.keyId(), keys.publicKeyFile(), n);
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tinyfleet-rollouts");
            t.setDaemon(true);
            return t;
        });
        long ms = settings.tick().toMillis();
        ticker.scheduleWithFixedDelay(() -> {
            try {
                engine.handleAll();
            } catch (RuntimeException ex) {
                LOG.warn("rollout tick failed: {}", ex.toString());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Stops ticking. */
    public synchronized void stop() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
    }
}
