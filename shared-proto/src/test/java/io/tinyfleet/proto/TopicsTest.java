package io.tinyfleet.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tinyfleet.proto.v1.DeathReason;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.proto.v1.DeviceDeath;
import io.tinyfleet.proto.v1.HardwareInventory;
import io.tinyfleet.proto.v1.Heartbeat;
import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void device_buildsVersionedTopic_andParseReadsItBack() {
        String t = Topics.device("pi-01", Topics.Kind.BIRTH);
        assertEquals("tinyfleet/v1/pi-01/birth", t);
        assertEquals(new Topics.Parsed("pi-01", Topics.Kind.BIRTH), Topics.parse(t).orElseThrow());
        assertEquals("tinyfleet/v1/+/heartbeat", Topics.allDevices(Topics.Kind.HEARTBEAT));
    }

    @Test
    void parse_rejectsForeignAndMalformedTopics() {
        assertTrue(Topics.parse("other/v1/pi/birth").isEmpty());
        assertTrue(Topics.parse("tinyfleet/v1/pi/unknown").isEmpty());
        assertTrue(Topics.parse("tinyfleet/v1/a/b/birth").isEmpty());
        assertTrue(Topics.parse("tinyfleet/v1//birth").isEmpty());
    }

    @Test
    void requireDeviceId_rejectsWildcardsAndSeparators_namingTheId() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Topics.device("a/#", Topics.Kind.BIRTH));
        assertTrue(e.getMessage().contains("'a/#'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Topics.requireDeviceId("a+b"));
        assertThrows(IllegalArgumentException.class, () -> Topics.requireDeviceId("x".repeat(65)));
    }

    @Test
    void messages_roundTripThroughBytes() throws InvalidProtocolBufferException {
        DeviceBirth birth = DeviceBirth.newBuilder()
                .setDeviceId("pi-01").setAgentVersion("0.1.0").setSessionSeq(3).setTimestampMs(42)
                .setInventory(HardwareInventory.newBuilder().setCpuModel("Cortex-A72").setLogicalCores(4)
                        .setTotalMemoryBytes(4L << 30).setArch("aarch64").setDeviceProfileId("raspberry-pi-4"))
                .addExecutionProviders("CPU").addInstalledModelIds("abc")
                .build();
        assertEquals(birth, DeviceBirth.parseFrom(birth.toByteArray()));

        DeviceDeath death = DeviceDeath.newBuilder().setDeviceId("pi-01").setSessionSeq(3)
                .setReason(DeathReason.DEATH_REASON_CONNECTION_LOST).build();
        assertEquals(death, DeviceDeath.parseFrom(death.toByteArray()));

        Heartbeat hb = Heartbeat.newBuilder().setDeviceId("pi-01").setSeq(7).setCpuLoad(0.25).build();
        assertEquals(hb, Heartbeat.parseFrom(hb.toByteArray()));
    }

    @Test
    void parseFrom_throwsOnGarbage() {
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
        assertThrows(InvalidProtocolBufferException.class, () -> DeviceBirth.parseFrom(garbage));
    }
}
