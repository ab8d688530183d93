package io.tinyfleet.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.BlockingHttpClient;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.tinyfleet.agent.Agent;
import io.tinyfleet.agent.config.AgentConfig;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import io.tinyfleet.server.deploy.DeploymentService;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tags end to end: agents declare them at registration, the controller stores them, an operator
 * adds more with {@code PUT /api/devices/{id}/tags}, and {@code tag:T} targets match a declared or
 * assigned tag, the profile id or the arch ({@code tag:all}: every device).
 */
class DeviceTagsTest {

    @Test
    void declaredAndAssignedTags_areStoredShown_andSelectRolloutTargets(@TempDir Path home) throws Exception {
        try (ControllerServer server = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("c")));
             HttpClient client = HttpClient.create(new URL(server.httpUrl()));
             Agent lab = agent(server, home, "tag-lab", "lab,eu-west")) {
            Agent shop = agent(server, home, "tag-shop", "shop");
            BlockingHttpClient http = client.toBlocking();
            DeviceView labView = await(http, "tag-lab", 1);
            assertEquals(List.of("eu-west", "lab"), labView.declaredTags());
            assertEquals(List.of("eu-west", "lab"), labView.tags());
            assertEquals(List.of(), labView.assignedTags());

            DeploymentService deploy = server.context().getBean(DeploymentService.class);
            await(http, "tag-shop", 1);
            assertEquals(List.of("tag-lab"), deploy.resolveTargets(List.of("tag:lab")));
            assertEquals(List.of("tag-shop"), deploy.resolveTargets(List.of("tag:shop")));
            assertEquals(List.of("tag-lab", "tag-shop"), deploy.resolveTargets(List.of("tag:all")));
            String arch = labView.inventory().arch();
            assertEquals(List.of("tag-lab", "tag-shop"), deploy.resolveTargets(List.of("tag:" + arch)));
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                    () -> deploy.resolveTargets(List.of("tag:canary")));
            assertTrue(none.getMessage().contains("tag:canary"), none.getMessage());

            // an operator tags the shop device as canary: declared tags stay, tag:canary now selects it
            DeviceView shopView = http.retrieve(HttpRequest.PUT("/api/devices/tag-shop/tags",
                    Map.of("tags", List.of("canary", "canary", "floor-2"))), DeviceView.class);
            assertEquals(List.of("canary", "floor-2"), shopView.assignedTags());
            assertEquals(List.of("shop"), shopView.declaredTags());
            assertEquals(List.of("canary", "floor-2", "shop"), shopView.tags());
            assertEquals(List.of("tag-shop"), deploy.resolveTargets(List.of("tag:canary")));
            assertEquals(List.of("tag-lab", "tag-shop"), deploy.resolveTargets(List.of("tag:lab,tag:canary")));

            // assigned tags survive the agent's next registration; an empty list removes them
            long session = http.retrieve("/api/devices/tag-shop", DeviceView.class).sessionSeq();
            shop.close();
            shop = agent(server, home, "tag-shop", "shop");
            await(http, "tag-shop", session + 1);
            assertEquals(List.of("canary", "floor-2", "shop"),
                    http.retrieve("/api/devices/tag-shop", DeviceView.class).tags());
            assertEquals(List.of("shop"), http.retrieve(HttpRequest.PUT("/api/devices/tag-shop/tags",
                    Map.of("tags", List.of())), DeviceView.class).tags());

            HttpClientResponseException bad = assertThrows(HttpClientResponseException.class, () -> http.retrieve(
                    HttpRequest.PUT("/api/devices/tag-shop/tags", Map.of("tags", List.of("no spaces"))), String.class));
            assertEquals(400, bad.getStatus().getCode());
            assertTrue(bad.getResponse().getBody(String.class).orElse("").contains("'no spaces'"));
            HttpClientResponseException unknown = assertThrows(HttpClientResponseException.class, () -> http.retrieve(
                    HttpRequest.PUT("/api/devices/nobody/tags", Map.of("tags", List.of("x"))), String.class));
            assertEquals(404, unknown.getStatus().getCode());
            assertTrue(unknown.getResponse().getBody(String.class).orElse("").contains(ApiError.DEVICE_NOT_FOUND));
            shop.close();
        }
    }

    static Agent agent(ControllerServer server, Path home, String id, String tags) {
        return Agent.start(AgentConfig.of(Map.of(AgentConfig.BROKER, server.brokerUrl(), AgentConfig.ID, id,
                AgentConfig.HOME, home.resolve(id).toString(), AgentConfig.TAGS, tags,
                AgentConfig.RECONNECT_MIN_MS, "200"), "test"));
    }

    /** The device once it is online in session {@code minSession} or later. */
    static DeviceView await(BlockingHttpClient http, String id, long minSession) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            try {
                DeviceView v = http.retrieve("/api/devices/" + id, DeviceView.class);
                if (v.online() && v.sessionSeq() >= minSession) {
                    return v;
                }
            } catch (HttpClientResponseException e) {
                // not registered yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("device " + id + " not online in 30 s");
    }
}
