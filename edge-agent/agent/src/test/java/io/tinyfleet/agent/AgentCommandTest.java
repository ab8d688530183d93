package io.tinyfleet.agent;

import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.proto.v1.DeviceBirth;
import io.tinyfleet.runtime.hw.SystemRoots;
import io.tinyfleet.runtime.profile.DeviceProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AgentCommandTest {

    @Test
    void flags_becomeConfig(@TempDir Path home) {
        AgentCommand cmd = new AgentCommand();
        new CommandLine(cmd).parseArgs("--broker", "tcp://127.0.0.1:2883", "--id", "dev-1", "--home", home.toString(),
                "--heartbeat-interval", "2", "--keep-alive", "3");
        AgentConfig c = cmd.toConfig();
        assertEquals("tcp://127.0.0.1:2883", c.brokerUrl());
        assertEquals("dev-1", c.deviceId());
        assertEquals(3, c.keepAliveS());
        assertEquals(2, c.heartbeatInterval().toSeconds());
    }

    @Test
    void birth_carriesInventoryAndProfile(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nmodel name\t: Fixture CPU\nflags\t: avx2\n");
        Files.writeString(root.resolve("proc/meminfo"), "MemTotal: 1024 kB\n");
        AgentConfig cfg = AgentConfig.of(java.util.Map.of(AgentConfig.BROKER, "tcp://h:1", AgentConfig.ID, "d",
                AgentConfig.HOME, root.toString()), "t");
        DeviceProfile p = DeviceProfile.load(Path.of(System.getProperty("tinyfleet.root", "../.."),
                "device-profiles/x86-laptop.yaml"));
        var inv = new io.tinyfleet.runtime.hw.HardwareProbe(SystemRoots.under(root), false).inventory();
        DeviceBirth b = Agent.birthTemplate(cfg, p, inv);
        assertEquals("Fixture CPU", b.getInventory().getCpuModel());
        assertEquals(1024 * 1024, b.getInventory().getTotalMemoryBytes());
        assertEquals("x86-laptop", b.getInventory().getDeviceProfileId());
        assertEquals(10, b.getHeartbeatIntervalS());
    }
}
