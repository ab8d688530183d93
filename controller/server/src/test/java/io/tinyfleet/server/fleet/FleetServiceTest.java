package io.tinyfleet.server.fleet;

import io.micronaut.context.ApplicationContext;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.v1.DeathReason;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.proto.v1.DeviceDeath;
import io.tinyfleet.proto.v1.HardwareInventory;
import io.tinyfleet.proto.v1.Heartbeat;
import io.tinyfleet.server.metrics.FleetMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registry rules on an in-memory H2 database, without a broker. */
class FleetServiceTest {

    static ApplicationContext ctx;
    static FleetService fleet;
    static FleetIngest ingest;

    @BeforeAll
    static void start() throws Exception {
        ctx = ApplicationContext.builder().deduceEnvironment(false).properties(Map.of(
                "tinyfleet.home", Files.createTempDirectory("tf-fleet").toString(),
                "tinyfleet.mqtt.broker", "tcp://127.0.0.1:9", // never connected: ingest.start() is not called
                "tinyfleet.fleet.tick-interval", "1h",
                "datasources.default.url", "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "datasources.default.driver-class-name", "org.h2.Driver",
                "datasources.default.dialect", "H2",
                "datasources.default.username", "sa",
                "datasources.default.password", "")).start();
        fleet = ctx.getBean(FleetService.class);
        ingest = ctx.getBean(FleetIngest.class);
    }

    @AfterAll
    static void stop() {
        ctx.close();
    }

    static DeviceBirth birth(String id, long seq) {
        return DeviceBirth.newBuilder().setDeviceId(id).setSessionSeq(seq).setHeartbeatIntervalS(10)
                .setAgentVersion("test").setInventory(HardwareInventory.newBuilder().setCpuModel("cpu").setLogicalCores(4))
                .build();
    }

    static DeviceDeath death(String id, long seq, DeathReason r) {
        return DeviceDeath.newBuilder().setDeviceId(id).setSessionSeq(seq).setReason(r).build();
    }

    static Heartbeat beat(String id, long seq) {
        return Heartbeat.newBuilder().setDeviceId(id).setSessionSeq(seq).setSeq(1).setCpuLoad(0.5).setUsedMemoryBytes(-1).build();
    }

    static String fresh() {
        return "d-" + UUID.randomUUID().toString().substring(0, 8);
    }

    DeviceRecord get(String id) {
        return fleet.find(id).orElseThrow();
    }

    @Test
    void birth_registersDeviceOnline_withInventory() {
        String id = fresh();
        fleet.onBirth(birth(id, 1), Instant.ofEpochMilli(1000));
        DeviceRecord d = get(id);
        assertTrue(d.isOnline());
        assertEquals("cpu", d.getCpuModel());
        assertEquals(1000, d.getFirstSeenMs());
        assertEquals(1000L, d.getOnlineSinceMs());
    }

    @Test
    void death_ofCurrentSession_marksOffline_withReason() {
        String id = fresh();
        fleet.onBirth(birth(id, 3), Instant.ofEpochMilli(1000));
        fleet.onDeath(death(id, 3, DeathReason.DEATH_REASON_CONNECTION_LOST), Instant.ofEpochMilli(2000));
        DeviceRecord d = get(id);
        assertFalse(d.isOnline());
        assertEquals(OfflineReason.CONNECTION_LOST.name(), d.getOfflineReason());
        assertEquals(2000L, d.getOfflineSinceMs());
    }

    @Test
    void lateWill_ofOlderSession_isIgnored() {
        String id = fresh();
        fleet.onBirth(birth(id, 4), Instant.ofEpochMilli(1000));
        fleet.onBirth(birth(id, 5), Instant.ofEpochMilli(2000)); // reconnected before the broker sent the old will
        assertEquals(FleetService.Outcome.STALE,
                fleet.onDeath(death(id, 4, DeathReason.DEATH_REASON_CONNECTION_LOST), Instant.ofEpochMilli(3000)));
        assertTrue(get(id).isOnline());
        assertEquals(5, get(id).getSessionSeq());
    }

    @Test
    void retainedBirthAndDeath_ofSameSession_giveOffline_inEitherOrder() {
        String a = fresh();
        fleet.onBirth(birth(a, 7), Instant.ofEpochMilli(1000));
        fleet.onDeath(death(a, 7, DeathReason.DEATH_REASON_SHUTDOWN), Instant.ofEpochMilli(1001));
        assertFalse(get(a).isOnline());

        String b = fresh();
        fleet.onDeath(death(b, 7, DeathReason.DEATH_REASON_SHUTDOWN), Instant.ofEpochMilli(1000));
        assertEquals(FleetService.Outcome.STALE, fleet.onBirth(birth(b, 7), Instant.ofEpochMilli(1001)));
        assertFalse(get(b).isOnline());
        assertEquals(OfflineReason.SHUTDOWN.name(), get(b).getOfflineReason());

        fleet.onBirth(birth(b, 8), Instant.ofEpochMilli(1002)); // the next run comes online
        assertTrue(get(b).isOnline());
    }

    @Test
    void silence_forThreeIntervals_marksOffline_andHeartbeatRevives() {
        String id = fresh();
        fleet.onBirth(birth(id, 1), Instant.ofEpochMilli(0));
        fleet.expireSilentDevices(Instant.ofEpochMilli(29_000));
        assertTrue(get(id).isOnline(), "2.9 intervals of silence is still online");
        fleet.expireSilentDevices(Instant.ofEpochMilli(31_000));
        assertFalse(get(id).isOnline());
        assertEquals(OfflineReason.HEARTBEAT_TIMEOUT.name(), get(id).getOfflineReason());

        fleet.onHeartbeat(beat(id, 1), Instant.ofEpochMilli(32_000));
        assertTrue(get(id).isOnline());
        assertEquals(0.5, get(id).getCpuLoad());
    }

    @Test
    void heartbeat_ofEndedSession_doesNotRevive() {
        String id = fresh();
        fleet.onBirth(birth(id, 2), Instant.ofEpochMilli(0));
        fleet.onDeath(death(id, 2, DeathReason.DEATH_REASON_CONNECTION_LOST), Instant.ofEpochMilli(1));
        assertEquals(FleetService.Outcome.STALE, fleet.onHeartbeat(beat(id, 2), Instant.ofEpochMilli(2)));
        assertFalse(get(id).isOnline());
    }

    @Test
    void malformedBirth_isLoggedAndDropped_notThrown() {
        MeterRegistry registry = ctx.getBean(MeterRegistry.class);
        ctx.getBean(FleetMetrics.class);
        double before = dropped(registry);
        String id = fresh();
        Optional<FleetService.Outcome> r = ingest.handle(Topics.device(id, Topics.Kind.BIRTH),
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, Instant.now());
        assertTrue(r.isEmpty());
        assertTrue(fleet.find(id).isEmpty());
        assertEquals(before + 1, dropped(registry));

        // a well-formed birth under another device's topic is refused as well
        assertTrue(ingest.handle(Topics.device(id, Topics.Kind.BIRTH), birth("someone-else", 1).toByteArray(),
                Instant.now()).isEmpty());
        assertTrue(ingest.handle("tinyfleet/v1/" + id + "/unknown-kind", new byte[] {1}, Instant.now()).isEmpty());
        // and the next good one still works
        assertEquals(Optional.of(FleetService.Outcome.APPLIED),
                ingest.handle(Topics.device(id, Topics.Kind.BIRTH), birth(id, 1).toByteArray(), Instant.now()));
    }

    private static double dropped(MeterRegistry registry) {
        var c = registry.find("tinyfleet.mqtt.messages.dropped").tag("reason", "malformed").counter();
        return c == null ? 0 : c.count();
    }
}
