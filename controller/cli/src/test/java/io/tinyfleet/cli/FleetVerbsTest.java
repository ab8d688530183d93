package io.tinyfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fleet verbs as scripts use them: exit codes, output, flags. */
class FleetVerbsTest {

    record Run(int exit, String out, String err) {
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cl = TinyFleet.commandLine();
            cl.setOut(new java.io.PrintWriter(System.out, true));
            cl.setErr(new java.io.PrintWriter(System.err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void demo_exitAfterRegistration_printsFleet_andExits0() {
        Run r = run("demo", "--exit-after-registration");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("demo-laptop-1") && r.out().contains("demo-laptop-2"), r.out());
        assertTrue(r.out().contains("2 device(s), 2 online"), r.out());
        assertTrue(r.out().contains("x86-laptop"), "agents run with the laptop profile: " + r.out());
    }

    @Test
    void devices_json_listsIdOnlineLastSeenInventory(@TempDir Path home) throws Exception {
        try (ControllerServer c = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("c")));
             Agent a = Agent.start(AgentConfig.of(Map.of(AgentConfig.BROKER, c.brokerUrl(), AgentConfig.ID, "cli-test",
                     AgentConfig.HOME, home.resolve("a").toString()), "test"))) {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode list;
            do {
                Thread.sleep(100);
                list = DevicesCommand.fetch(c.httpUrl());
            } while ((list.size() == 0 || !list.get(0).path("online").asBoolean()) && System.nanoTime() < end);

            Run json = run("devices", "--controller", c.httpUrl(), "--json");
            assertEquals(0, json.exit(), json.err());
            JsonNode d = Json.mapper().readTree(json.out()).get(0);
            assertEquals("cli-test", d.get("id").asText());
            assertTrue(d.get("online").asBoolean());
            assertTrue(d.hasNonNull("lastSeen"));
            assertTrue(d.get("inventory").has("cpuModel"));

            Run table = run("devices", "--controller", c.httpUrl());
            assertTrue(table.out().contains("cli-test") && table.out().contains("1 device(s), 1 online"), table.out());

            Run busy = run("controller", "--http-port", Integer.toString(c.httpPort()), "--home", home.resolve("c2").toString());
            assertEquals(2, busy.exit());
            assertTrue(busy.err().contains("HTTP port " + c.httpPort() + " is already in use"), busy.err());
        }
    }

    @Test
    void devices_namesUnreachableController() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        Run r = run("devices", "--controller", "http://127.0.0.1:" + dead);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("cannot reach controller http://127.0.0.1:" + dead), r.err());
    }

    @Test
    void controller_namesUnreachableBroker(@TempDir Path home) throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        Run r = run("controller", "--http-port", "0", "--home", home.toString(), "--broker", "tcp://127.0.0.1:" + dead);
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("cannot reach MQTT broker tcp://127.0.0.1:" + dead), r.err());
    }
}
