package io.tinyfleet.agent.telemetry;

import io.tinyfleet.agent.AgentCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentFlagsTest {

    private static AgentCommand parse(String... args) {
        AgentCommand c = new AgentCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void telemetryOptions_followTheFlags_withEmulationOfANamedProfile() {
        TelemetryOptions o = parse("--telemetry-interval", "0.5", "--emulate", "raspberry-pi-4",
                "--profiles-dir", EmulationTest.profiles().toString()).telemetryOptions();
        assertEquals(Duration.ofMillis(500), o.interval());
        assertEquals("raspberry-pi-4", o.emulation().orElseThrow().profile().id());
    }

    @Test
    void telemetryOptions_defaultToOneSecondWithoutEmulation() {
        TelemetryOptions o = parse().telemetryOptions();
        assertEquals(Duration.ofSeconds(1), o.interval());
        assertFalse(o.emulation().isPresent());
    }

    @Test
    void telemetryOptions_refuseATooShortInterval_namingTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--telemetry-interval", "0.01").telemetryOptions());
        assertTrue(e.getMessage().startsWith("--telemetry-interval"), e.getMessage());
    }

    @Test
    void emulateOsReserve_setsTheMemoryBudget_andNeedsEmulate() {
        TelemetryOptions o = parse("--emulate", "raspberry-pi-4", "--emulate-os-reserve", "1024",
                "--profiles-dir", EmulationTest.profiles().toString()).telemetryOptions();
        assertEquals(3072L << 20, o.emulation().orElseThrow().memoryBudgetBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--emulate-os-reserve", "100").telemetryOptions());
        assertEquals("--emulate-os-reserve needs --emulate PROFILE", e.getMessage());
    }
}
