package io.tinyfleet.server;

import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.BlockingHttpClient;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.server.api.ApiError;
import io.tinyfleet.server.api.DeviceView;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fleet scenario every broker/database combination must pass: two agents come online, one is
 * killed without DISCONNECT and goes offline, the broker restarts (when we run it) and the survivor
 * re-registers. Agents run in this JVM with a 2 s keep-alive and 1 s heartbeats.
 */
final class FleetFlow implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final ControllerServer controller;
    final BlockingHttpClient http;
    private final HttpClient httpClient;
    private final List<Agent> agents = new ArrayList<>();
    private final Path home;
    final String prefix = "t" + UUID.randomUUID().toString().substring(0, 6) + "-";

    FleetFlow(ControllerOptions options, Path home) throws Exception {
        this.home = home;
        this.controller = ControllerServer.start(options.withProperties(Map.of("tinyfleet.fleet.tick-interval", "500ms")));
        this.httpClient = HttpClient.create(new URL(controller.httpUrl()));
        this.http = httpClient.toBlocking();
    }

    /** Whether something listens on host:port. */
    static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    Agent agent(String name) {
        Map<String, String> c = new HashMap<>();
        c.put(AgentConfig.BROKER, controller.brokerUrl());
        c.put(AgentConfig.ID, prefix + name);
        c.put(AgentConfig.HOME, home.resolve("agent-" + name).toString());
        c.put(AgentConfig.HEARTBEAT_S, "1");
        c.put(AgentConfig.KEEPALIVE_S, "2");
        c.put(AgentConfig.CONNECT_TIMEOUT_S, "3");
        c.put(AgentConfig.RECONNECT_MIN_MS, "200");
        c.put(AgentConfig.RECONNECT_MAX_MS, "1000");
        Agent a = Agent.start(AgentConfig.of(c, "test"));
        agents.add(a);
        return a;
    }

    List<DeviceView> devices() {
        return http.retrieve(HttpRequest.GET("/api/devices"), Argument.listOf(DeviceView.class));
    }

    Optional<DeviceView> device(String id) {
        return devices().stream().filter(d -> d.id().equals(id)).findFirst();
    }

    DeviceView await(String id, Predicate<DeviceView> condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TIMEOUT.toNanos();
        Optional<DeviceView> last = Optional.empty();
        while (System.nanoTime() < end) {
            last = device(id);
            if (last.isPresent() && condition.test(last.get())) {
                return last.get();
            }
            Thread.sleep(100);
        }
        fail(id + ": " + what + " not reached in " + TIMEOUT + "; last state " + last);
        return null;
    }

    /** Runs the scenario. */
    void run(boolean restartBroker) throws Exception {
        Agent a = agent("a");
        Agent b = agent("b");
        String ida = a.config().deviceId();
        String idb = b.config().deviceId();

        DeviceView va = await(ida, DeviceView::online, "online");
        await(idb, DeviceView::online, "online");
        assertFalse(va.inventory().cpuModel().isEmpty(), "inventory reported: " + va);
        assertTrue(va.inventory().logicalCores() > 0);
        assertNotNull(va.lastSeen());

        DeviceView one = http.retrieve(HttpRequest.GET("/api/devices/" + ida), DeviceView.class);
        assertEquals(ida, one.id());
        HttpClientResponseException missing = assertThrows(HttpClientResponseException.class,
                () -> http.retrieve(HttpRequest.GET("/api/devices/" + prefix + "nobody"), DeviceView.class));
        assertEquals(404, missing.getStatus().getCode());
        assertEquals(ApiError.DEVICE_NOT_FOUND, missing.getResponse().getBody(ApiError.class).orElseThrow().code());

        // A malformed birth must not disturb anything.
        publishRaw(Topics.device(prefix + "garbage", Topics.Kind.BIRTH), new byte[] {(byte) 0xff, 0x01, (byte) 0xff});

        // Kill b without DISCONNECT: the broker publishes its will.
        long killedAt = System.nanoTime();
        b.crash();
        DeviceView vb = await(idb, v -> !v.online(), "offline after crash");
        long offlineMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertEquals("CONNECTION_LOST", vb.offlineReason(), "offline through the last will: " + vb);
        // The broker must not wait for the keep-alive (1.5 x 2 s) here: the socket closed. Allow that
        // window plus 2 s for ingest, database and REST polling on a loaded CI machine.
        assertTrue(offlineMs < 3_000 + 2_000, "offline within the keep-alive window, took " + offlineMs + " ms");
        System.out.println("crash -> offline via REST: " + offlineMs + " ms");
        assertTrue(device(ida).orElseThrow().online(), "the other agent stays online");
        assertTrue(device(prefix + "garbage").isEmpty(), "malformed birth dropped");

        String metrics = http.retrieve(HttpRequest.GET("/prometheus"), String.class);
        assertTrue(metrics.contains("tinyfleet_devices{state=\"online\"}"), metrics);
        assertTrue(metrics.contains("tinyfleet_mqtt_messages_in_total{kind=\"birth\"}"), metrics);
        assertTrue(metrics.contains("tinyfleet_mqtt_messages_dropped_total{reason=\"malformed\"}"), metrics);

        if (restartBroker) {
            long session = device(ida).orElseThrow().sessionSeq();
            var broker = controller.embeddedBroker().orElseThrow();
            long t0 = System.nanoTime();
            broker.stop();
            long t1 = System.nanoTime();
            broker.start();
            long t2 = System.nanoTime();
            assertTrue(a.session().awaitSessions(2, TIMEOUT), "agent reconnected after the broker restart");
            DeviceView again = await(ida, v -> v.online() && v.sessionSeq() > session, "re-registered with a new session");
            System.out.printf("broker stop %d ms, start %d ms, back online via REST %d ms after start%n",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
            assertTrue(again.sessionSeq() > session);
            assertTrue(controller.ingest().isConnected());
        }
        a.close();
        await(ida, v -> !v.online() && "SHUTDOWN".equals(v.offlineReason()), "offline after clean shutdown");
    }

    private void publishRaw(String topic, byte[] payload) throws Exception {
        MqttClient c = new MqttClient(controller.brokerUrl(), prefix + "raw", new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        c.connect(o);
        c.publish(topic, new MqttMessage(payload, 1, false, null));
        c.disconnect();
        c.close();
    }

    /** Clears the retained births/deaths of this run's devices (matters on a shared broker). */
    private void clearRetained() {
        try {
            MqttClient c = new MqttClient(controller.brokerUrl(), prefix + "clean", new MemoryPersistence());
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            c.connect(o);
            for (Agent a : agents) {
                for (Topics.Kind k : List.of(Topics.Kind.BIRTH, Topics.Kind.DEATH)) {
                    c.publish(Topics.device(a.config().deviceId(), k), new MqttMessage(new byte[0], 1, true, null));
                }
            }
            c.disconnect();
            c.close();
        } catch (Exception e) {
            System.err.println("could not clear retained messages: " + e);
        }
    }

    @Override
    public void close() {
        for (Agent a : agents) {
            a.close();
        }
        if (!controller.broker().embedded()) {
            clearRetained();
        }
        httpClient.close();
        controller.close();
    }
}
