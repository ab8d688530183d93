package io.tinyfleet.proto.v1;

import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every fleet message survives bytes and back unchanged. */
class FleetMessagesTest {

    static DeviceBirth birth() {
        return DeviceBirth.newBuilder()
                .setDeviceId("pi-1")
                .setAgentVersion("0.1.0")
                .setInventory(HardwareInventory.newBuilder()
                        .setCpuModel("Cortex-A72").setPhysicalCores(4).setLogicalCores(4)
                        .setMaxFrequencyHz(1_800_000_000L).setTotalMemoryBytes(4L << 30)
                        .setOs("Debian GNU/Linux 12 (bookworm)").setArch("aarch64").setHostname("pi")
                        .setDeviceProfileId("rpi4").setDeviceProfileName("Raspberry Pi 4")
                        .addCpuFeatures("neon").addCpuFeatures("asimd")
                        .setBoardModel("Raspberry Pi 4 Model B Rev 1.4"))
                .setOnnxruntimeVersion("1.23.2")
                .addExecutionProviders("CPU")
                .setSessionSeq(7)
                .setTimestampMs(1_700_000_000_000L)
                .setHeartbeatIntervalS(10)
                .build();
    }

    @Test
    void birth_roundTrips() throws InvalidProtocolBufferException {
        DeviceBirth b = birth();
        assertEquals(b, DeviceBirth.parseFrom(b.toByteArray()));
    }

    @Test
    void death_roundTrips() throws InvalidProtocolBufferException {
        DeviceDeath d = DeviceDeath.newBuilder().setDeviceId("pi-1").setSessionSeq(7)
                .setReason(DeathReason.DEATH_REASON_CONNECTION_LOST).setTimestampMs(1L).build();
        DeviceDeath back = DeviceDeath.parseFrom(d.toByteArray());
        assertEquals(d, back);
        assertEquals(DeathReason.DEATH_REASON_CONNECTION_LOST, back.getReason());
    }

    @Test
    void heartbeat_roundTrips() throws InvalidProtocolBufferException {
        Heartbeat h = Heartbeat.newBuilder().setDeviceId("pi-1").setSessionSeq(7).setSeq(42)
                .setTimestampMs(2L).setUptimeMs(1000).setCpuLoad(-1).setUsedMemoryBytes(-1).build();
        assertEquals(h, Heartbeat.parseFrom(h.toByteArray()));
    }

    @Test
    void deathReasonNumbers_neverChange() {
        // stored and sent: renumbering would misread devices running an older agent
        assertEquals(0, DeathReason.DEATH_REASON_UNSPECIFIED.getNumber());
        assertEquals(1, DeathReason.DEATH_REASON_CONNECTION_LOST.getNumber());
        assertEquals(2, DeathReason.DEATH_REASON_SHUTDOWN.getNumber());
    }

    @Test
    void parse_refusesGarbage() {
        assertThrows(InvalidProtocolBufferException.class,
                () -> DeviceBirth.parseFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}));
    }
}
