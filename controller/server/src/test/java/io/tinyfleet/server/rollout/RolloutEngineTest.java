package io.tinyfleet.server.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.proto.sign.Ed25519Keys;
import io.tinyfleet.proto.sign.ManifestSigner;
import io.tinyfleet.proto.sign.Manifests;
import io.tinyfleet.proto.v1.DeploymentState;
import io.tinyfleet.proto.v1.DeploymentStatus;
import io.tinyfleet.proto.v1.HealthReport;
import io.tinyfleet.proto.v1.SignedManifest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rollout rules on an H2 database migrated by Flyway, without Micronaut or a broker. */
class RolloutEngineTest {

    JdbcDataSource db;
    final List<String> published = new ArrayList<>();
    final AtomicLong ts = new AtomicLong(1000);
    RolloutEngine engine;
    final SignedManifest manifest = new ManifestSigner(Ed25519Keys.generate()).sign(
            Manifests.forArtifact(new byte[2048], 1024).setDeploymentId("r1").setModelId("m").build());

    @BeforeEach
    void setUp() {
        db = new JdbcDataSource();
        db.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        db.setUser("sa");
        Flyway.configure().dataSource(db).locations("classpath:db/migration").load().migrate();
        engine = newEngine();
    }

    RolloutEngine newEngine() {
        return new RolloutEngine(new RolloutRepository(db),
                (device, m) -> published.add(device + (m == null ? ":clear" : "")), Clock.systemUTC());
    }

    static List<String> devices(int n) {
        return IntStream.range(0, n).mapToObj(i -> "dev-" + i).toList();
    }

    void report(String device, DeploymentState s, String code) {
        report(device, s, code, HealthReport.getDefaultInstance());
    }

    void report(String device, DeploymentState s, String code, HealthReport h) {
        assertTrue(engine.onStatus(DeploymentStatus.newBuilder().setDeploymentId("r1").setDeviceId(device).setState(s)
                .setCode(code).setHealth(h).setTimestampMs(ts.incrementAndGet()).build()));
    }

    Rollout rollout() {
        return engine.repository().find("r1").orElseThrow();
    }

    @Test
    void errorThreshold_pausesExactlyWhenTheFailedShareReachesIt() {
        engine.create("r1", "m", manifest, devices(10), WavePlan.parse("100%"), 100, 20, 0, 0);
        assertEquals(10, published.size());
        report("dev-0", DeploymentState.FAILED, "agent_error");
        engine.handleAll();
        assertEquals(RolloutState.RUNNING, rollout().state(), "1 of 10 = 10 % < 20 %");
        report("dev-1", DeploymentState.ROLLED_BACK, "smoke_failed");
        engine.handleAll();
        assertEquals(RolloutState.PAUSED, rollout().state(), "2 of 10 = 20 % reaches 20 %");
        assertTrue(rollout().reason().contains("2 of 10"), rollout().reason());
    }

    @Test
    void waves_startOnlyWhenTheSuccessThresholdIsReached_thenFinish() {
        engine.create("r1", "m", manifest, devices(4), WavePlan.parse("1,50%,100%"), 100, 100, 0, 0);
        assertEquals(List.of("dev-0"), published);
        engine.handleAll();
        assertEquals(List.of("dev-0"), published, "canary not active yet");
        report("dev-0", DeploymentState.DOWNLOADING, "");
        report("dev-0", DeploymentState.ACTIVE, "");
        engine.handleAll();
        assertEquals(List.of("dev-0", "dev-1"), published);
        report("dev-1", DeploymentState.ACTIVE, "");
        engine.handleAll();
        assertEquals(List.of("dev-0", "dev-1", "dev-2", "dev-3"), published);
        report("dev-2", DeploymentState.ACTIVE, "");
        report("dev-3", DeploymentState.ACTIVE, "");
        engine.handleAll();
        assertEquals(RolloutState.FINISHED, rollout().state());
        assertEquals("4 of 4 devices active", rollout().reason());
    }

    @Test
    void aWaveBelowTheSuccessThreshold_pausesInsteadOfAdvancing() {
        engine.create("r1", "m", manifest, devices(4), WavePlan.parse("2,100%"), 100, 100, 0, 0);
        report("dev-0", DeploymentState.ACTIVE, "");
        report("dev-1", DeploymentState.REJECTED, "signature_invalid");
        engine.handleAll();
        assertEquals(RolloutState.PAUSED, rollout().state());
        assertEquals(List.of("dev-0", "dev-1"), published);
    }

    @Test
    void latencyGate_pausesOnAMeasuredMiss_andResumeDoesNotCountItAgain() {
        engine.create("r1", "m", manifest, devices(3), WavePlan.parse("100%"), 100, 100, 5.0, 0);
        report("dev-0", DeploymentState.ACTIVE, "", HealthReport.newBuilder().setP95Ms(2.0).setAccuracy(-1).build());
        engine.handleAll();
        assertEquals(RolloutState.RUNNING, rollout().state());
        report("dev-1", DeploymentState.ROLLED_BACK, "latency_above_ceiling",
                HealthReport.newBuilder().setP95Ms(9.5).build());
        engine.handleAll();
        assertEquals(RolloutState.PAUSED, rollout().state());
        assertTrue(rollout().reason().startsWith("latency gate: device dev-1"), rollout().reason());
        engine.resume("r1");
        engine.handleAll();
        assertEquals(RolloutState.RUNNING, rollout().state());
        report("dev-2", DeploymentState.ACTIVE, "", HealthReport.newBuilder().setP95Ms(3.0).build());
        engine.handleAll();
        assertEquals(RolloutState.FINISHED, rollout().state());
    }

    @Test
    void accuracyGate_pausesWhenADeviceMeasuresBelowTheFloor() {
        engine.create("r1", "m", manifest, devices(2), WavePlan.parse("100%"), 100, 100, 0, 0.8);
        report("dev-0", DeploymentState.ROLLED_BACK, "accuracy_below_floor",
                HealthReport.newBuilder().setAccuracy(0.5).setEvalSamples(20).build());
        engine.handleAll();
        assertEquals(RolloutState.PAUSED, rollout().state());
        assertTrue(rollout().reason().contains("accuracy gate"), rollout().reason());
    }

    @Test
    void aRestartedController_continuesTheRolloutFromTheDatabase() {
        engine.create("r1", "m", manifest, devices(3), WavePlan.parse("1,100%"), 100, 100, 0, 0);
        report("dev-0", DeploymentState.ACTIVE, "");
        engine = newEngine(); // the controller restarted: nothing in memory survives
        engine.handleAll();
        assertEquals(List.of("dev-0", "dev-1", "dev-2"), published);
        assertEquals(1, rollout().currentWave());
        published.clear();
        assertEquals(3, engine.republishDesired(), "desired states are published again for devices already sent");
    }

    @Test
    void abort_clearsTheDesiredStateOfUnfinishedDevices_andRefusesResume() {
        engine.create("r1", "m", manifest, devices(2), WavePlan.parse("100%"), 100, 100, 0, 0);
        report("dev-0", DeploymentState.ACTIVE, "");
        published.clear();
        engine.abort("r1");
        assertEquals(List.of("dev-1:clear"), published);
        assertEquals(RolloutState.ABORTED, rollout().state());
        assertThrows(IllegalStateException.class, () -> engine.resume("r1"));
        assertThrows(IllegalArgumentException.class, () -> engine.resume("nope"));
    }

    @Test
    void staleStatuses_doNotOverwriteNewerOnes() {
        engine.create("r1", "m", manifest, devices(1), WavePlan.parse("100%"), 100, 100, 0, 0);
        report("dev-0", DeploymentState.ACTIVE, "");
        assertEquals(false, engine.onStatus(DeploymentStatus.newBuilder().setDeploymentId("r1").setDeviceId("dev-0")
                .setState(DeploymentState.DOWNLOADING).setTimestampMs(5).build()));
        assertEquals("ACTIVE", engine.repository().devices("r1").get(0).state());
    }

    @Test
    void aStatus_updatesOnlyItsOwnDevice_andUnknownDevicesOrRolloutsAreIgnored() {
        engine.create("r1", "m", manifest, devices(3), WavePlan.parse("100%"), 100, 100, 0, 0);
        assertTrue(engine.onStatus(DeploymentStatus.newBuilder().setDeploymentId("r1").setDeviceId("dev-1")
                .setState(DeploymentState.DOWNLOADING).setProgressPct(40).setTimestampMs(ts.incrementAndGet()).build()));
        assertEquals(40, engine.repository().device("r1", "dev-1").orElseThrow().progressPct());
        assertEquals(0, engine.repository().device("r1", "dev-0").orElseThrow().progressPct());
        assertEquals(List.of("dev-0", "dev-1", "dev-2"),
                engine.repository().devices("r1").stream().map(DeviceDeployment::deviceId).toList());
        assertTrue(engine.repository().device("r1", "dev-9").isEmpty());
        assertEquals(false, engine.onStatus(DeploymentStatus.newBuilder().setDeploymentId("r1").setDeviceId("dev-9")
                .setState(DeploymentState.ACTIVE).setTimestampMs(ts.incrementAndGet()).build()));
        assertEquals(false, engine.onStatus(DeploymentStatus.newBuilder().setDeploymentId("r2").setDeviceId("dev-0")
                .setState(DeploymentState.ACTIVE).setTimestampMs(ts.incrementAndGet()).build()));
    }

    @Test
    void wavePlan_parsesCountsAndPercentages_andRejectsNonsense() {
        assertEquals(List.of(1, 5, 10), WavePlan.parse("1,50%,100%").cumulative(10));
        assertEquals(List.of(1, 2), WavePlan.parse("1,50%").cumulative(2));
        assertEquals(List.of(3), WavePlan.parse("5").cumulative(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WavePlan.parse("1,x%"));
        assertTrue(e.getMessage().contains("'x%'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WavePlan.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> WavePlan.parse("150%"));
    }
}
