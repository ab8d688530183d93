package io.tinyfleet.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Controller + embedded HiveMQ + H2 file database + two in-process agents. */
class EmbeddedBrokerFleetTest {

    @Test
    void agentsRegister_crashGoesOffline_brokerRestartReRegisters(@TempDir Path home) throws Exception {
        try (FleetFlow flow = new FleetFlow(ControllerOptions.of(0, 0, home.resolve("controller")), home)) {
            flow.run(true);
        }
    }

    @Test
    void start_saysPortInUse(@TempDir Path home) throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ControllerServer.start(ControllerOptions.of(taken.getLocalPort(), 0, home)));
            assertEquals("HTTP port " + taken.getLocalPort() + " is already in use", e.getMessage());
        }
    }

    @Test
    void start_namesUnreachableExternalBroker(@TempDir Path home) throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        String url = "tcp://127.0.0.1:" + dead;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ControllerServer.start(ControllerOptions.of(0, 0, home).withBroker(url)));
        assertEquals(true, e.getMessage().startsWith("cannot reach MQTT broker " + url), e.getMessage());
    }
}
