package io.tinyfleet.server.deploy;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.jdbc.DataSourceResolver;
import io.tinyfleet.server.artifact.ArtifactStore;
import io.tinyfleet.server.broker.Broker;
import io.tinyfleet.server.fleet.FleetService;
import io.tinyfleet.server.rollout.RolloutEngine;
import io.tinyfleet.server.rollout.RolloutRepository;
import jakarta.inject.Singleton;
import java.time.Clock;
import javax.sql.DataSource;

/** Wires the OTA classes (plain Java, testable without Micronaut) into the controller. */
@Factory
final class OtaBeans {

    @Singleton
    ControllerKeys keys(OtaSettings s) {
        return new ControllerKeys(s.keyFile());
    }

    /**
     * The pool itself: the DataSource bean Micronaut Data injects is a contextual proxy that only
     * works inside @Transactional/@Connectable methods; the OTA stores use plain JDBC.
     */
    private static DataSource raw(DataSource db, DataSourceResolver resolver) {
        return resolver == null ? db : resolver.resolve(db);
    }

    @Singleton
    ArtifactStore artifactStore(OtaSettings s, DataSource db, @Nullable DataSourceResolver resolver) {
        return new ArtifactStore(s.artifacts(), raw(db, resolver), s.maxModelBytes(), 3);
    }

    @Singleton
    RolloutRepository rolloutRepository(DataSource db, @Nullable DataSourceResolver resolver) {
        return new RolloutRepository(raw(db, resolver));
    }

    @Singleton
    ChunkServer chunkServer(RolloutRepository repo, ArtifactStore store) {
        return new ChunkServer(repo, store);
    }

    @Singleton
    @Bean(preDestroy = "close")
    OtaLink otaLink(Broker broker, ChunkServer chunks, OtaSettings s) {
        return new OtaLink(broker.url(), chunks, s.maxInFlight());
    }

    @Singleton
    RolloutEngine rolloutEngine(RolloutRepository repo, OtaLink link) {
        RolloutEngine e = new RolloutEngine(repo, link, Clock.systemUTC());
        link.setEngine(e);
        return e;
    }

    @Singleton
    DeploymentService deploymentService(ArtifactStore store, RolloutEngine engine, ControllerKeys keys,
                                        FleetService fleet, OtaSettings s, ChunkServer chunks) {
        return new DeploymentService(store, engine, keys, tag -> fleet.list().stream()
                .filter(d -> d.matchesTag(tag)).map(io.tinyfleet.server.fleet.DeviceRecord::getId).toList(),
                s.chunkSize(), chunks);
    }
}
