package io.tinyfleet.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fleet scenario through the local Mosquitto service (127.0.0.1:1883) instead of the embedded
 * broker. Skipped, with the reason printed, when nothing listens there. The broker-restart step is
 * left out: the test does not own that service.
 */
class MosquittoFleetTest {

    @Test
    void agentsRegister_andCrashGoesOffline_throughMosquitto(@TempDir Path home) throws Exception {
        boolean up = FleetFlow.reachable("127.0.0.1", 1883);
        if (!up) {
            System.out.println("SKIPPED MosquittoFleetTest: no MQTT broker on 127.0.0.1:1883");
        }
        assumeTrue(up, "no MQTT broker on 127.0.0.1:1883");
        try (FleetFlow flow = new FleetFlow(ControllerOptions.of(0, 0, home.resolve("controller"))
                .withBroker("tcp://127.0.0.1:1883"), home)) {
            flow.run(false);
        }
    }
}
