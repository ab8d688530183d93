package io.tinyfleet.server.telemetry;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.client.BlockingHttpClient;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.tinyfleet.agent.telemetry.TelemetryAgent;
import io.tinyfleet.agent.telemetry.TelemetryOptions;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.proto.v1.BenchmarkReport;
import io.tinyfleet.proto.v1.Figure;
import io.tinyfleet.proto.v1.HardwareSample;
import io.tinyfleet.proto.v1.TelemetryBatch;
import io.tinyfleet.server.ControllerOptions;
import io.tinyfleet.server.ControllerServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One controller (embedded HiveMQ, H2 file database) for the telemetry ingest, storage, metrics and profile API. */
class TelemetryServerTest {

    static Path home;
    static ControllerServer controller;
    static HttpClient client;
    static BlockingHttpClient http;

    @BeforeAll
    static void start() throws Exception {
        home = Files.createTempDirectory("tf-telemetry");
        controller = ControllerServer.start(ControllerOptions.of(0, 0, home.resolve("controller"))
                .withProperties(Map.of("tinyfleet.telemetry.retention", "1h", "tinyfleet.telemetry.benchmark-retention", "2d")));
        client = HttpClient.create(new URL(controller.httpUrl()));
        http = client.toBlocking();
    }

    @AfterAll
    static void stop() {
        client.close();
        controller.close();
    }

    static TelemetryIngest ingest() {
        return controller.context().getBean(TelemetryIngest.class);
    }

    static HardwareSample sample(long seq, long t, double cpu) {
        return HardwareSample.newBuilder().setSeq(seq).setTimestampMs(t).setCpuLoad(cpu).setMemoryUsedBytes(1 << 20)
                .setMemoryTotalBytes(1 << 30).setProcessCpuCores(-1).setProcessRssBytes(-1)
                .setCpuTemperatureC(Figure.newBuilder().setKnown(true).setValue(51.5).setSource("measured:thermal:cpu"))
                .setPowerW(Figure.newBuilder().setKnown(false).setSource("unknown").setReason("no meter")).build();
    }

    static byte[] batch(String id, long stream, long now, long... seqs) {
        TelemetryBatch.Builder b = TelemetryBatch.newBuilder().setDeviceId(id).setStreamId(stream).setTimestampMs(now);
        for (long s : seqs) {
            b.addSamples(sample(s, now - 1000 * (seqs.length - s), 0.25));
        }
        return b.build().toByteArray();
    }

    @Test
    void ingest_countsLostSamples_fromSequenceGaps() {
        String id = "gap-1";
        long now = System.currentTimeMillis();
        assertTrue(ingest().handle(Topics.device(id, Topics.Kind.TELEMETRY), batch(id, 5, now, 0, 1, 2)));
        assertTrue(ingest().handle(Topics.device(id, Topics.Kind.TELEMETRY), batch(id, 5, now, 6, 7)));
        assertTrue(ingest().handle(Topics.device(id, Topics.Kind.TELEMETRY), batch(id, 5, now, 7)), "a redelivered batch");
        TelemetryViews.Loss loss = http.retrieve(HttpRequest.GET("/api/telemetry/" + id + "/loss"), TelemetryViews.Loss.class);
        assertEquals(3, loss.lost());
        assertEquals(5, loss.received());
        assertEquals(1, loss.duplicates());
        assertEquals(5, controller.context().getBean(TelemetryStore.class).count(id));
    }

    @Test
    void ingest_dropsMalformedAndMismatchedMessages() {
        assertFalse(ingest().handle(Topics.device("bad-1", Topics.Kind.TELEMETRY), new byte[] {1, 2, 3, 4, 5}));
        assertFalse(ingest().handle(Topics.device("bad-1", Topics.Kind.TELEMETRY),
                batch("someone-else", 1, System.currentTimeMillis(), 0)));
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.retrieve(HttpRequest.GET("/api/telemetry/bad-1/loss"), Map.class));
        assertEquals(404, e.getStatus().getCode());
        assertEquals("NO_TELEMETRY", e.getResponse().getBody(Map.class).orElseThrow().get("code"));
    }

    @Test
    void prune_deletesSamplesOlderThanTheRetention() {
        String id = "old-1";
        long now = System.currentTimeMillis();
        TelemetryBatch b = TelemetryBatch.newBuilder().setDeviceId(id).setStreamId(1)
                .addSamples(sample(0, now - Duration.ofHours(3).toMillis(), 0.1))
                .addSamples(sample(1, now - Duration.ofMinutes(90).toMillis(), 0.1))
                .addSamples(sample(2, now - Duration.ofMinutes(10).toMillis(), 0.1)).build();
        TelemetryStore store = controller.context().getBean(TelemetryStore.class);
        store.store(b);
        assertEquals(3, store.count(id));
        assertTrue(store.prune(Instant.ofEpochMilli(now)) >= 2);
        assertEquals(1, store.count(id));
        assertEquals(List.of(2L), store.samples(id, 0, 100).stream().map(TelemetryViews.Sample::seq).toList());
    }

    @Test
    void prune_keepsBenchmarkReports_untilTheirOwnRetention() {
        String id = "old-bench-1";
        long now = System.currentTimeMillis();
        TelemetryStore store = controller.context().getBean(TelemetryStore.class);
        assertEquals(Duration.ofDays(2), store.benchmarkRetention());
        for (Duration age : List.of(Duration.ofHours(3), Duration.ofDays(3))) {
            store.store(BenchmarkReport.newBuilder().setDeviceId(id).setTimestampMs(now - age.toMillis()).setOk(true)
                    .setModelId("m-" + age.toHours()).setTrigger("local").build());
        }
        store.prune(Instant.ofEpochMilli(now));
        assertEquals(List.of("m-3"), store.benchmarks(id, null, 10).stream().map(TelemetryViews.Benchmark::modelId).toList(),
                "a 3-hour-old report outlives the 1 h sample retention; a 3-day-old one does not outlive its 2 days");
    }

    @Test
    void prometheus_exposesPerDeviceGauges() {
        String id = "prom-1";
        long now = System.currentTimeMillis();
        ingest().handle(Topics.device(id, Topics.Kind.TELEMETRY), batch(id, 1, now, 0, 1));
        ingest().handle(Topics.device(id, Topics.Kind.BENCHMARK), BenchmarkReport.newBuilder().setDeviceId(id)
                .setTimestampMs(now).setOk(true).setModelId("lenet").setLatencyP50Ms(1.5).setLatencyP95Ms(2.5)
                .setEnergyPerInferenceJ(Figure.newBuilder().setKnown(true).setValue(0.004).setSource("estimated:profile"))
                .setAveragePowerW(Figure.newBuilder().setKnown(true).setValue(3.1).setSource("estimated:profile"))
                .setTrigger("on-demand").build().toByteArray());
        String text = http.retrieve(HttpRequest.GET("/prometheus"), String.class);
        assertTrue(text.contains("tinyfleet_device_cpu_load{device=\"prom-1\"} 0.25"), text);
        assertTrue(text.contains("tinyfleet_device_memory_used_bytes{device=\"prom-1\"} 1048576.0"), text);
        assertTrue(text.contains("tinyfleet_device_temperature_celsius{device=\"prom-1\"} 51.5"), text);
        assertTrue(text.contains("tinyfleet_device_power_watts{device=\"prom-1\"} NaN"), "unknown power is NaN: " + text);
        assertTrue(text.contains("tinyfleet_device_latency_p95_ms{device=\"prom-1\",model=\"lenet\"} 2.5"), text);
        assertTrue(text.contains("tinyfleet_device_energy_per_inference_joules{device=\"prom-1\",model=\"lenet\"} 0.004"), text);
        String reports = http.retrieve(HttpRequest.GET("/api/benchmarks?device=prom-1"), String.class);
        assertTrue(reports.contains("\"energySource\":\"estimated:profile\""), reports);
    }

    @Test
    void emulatedSamples_aboveTheBudget_areStoredAsViolations_andGauged() {
        String id = "emu-1";
        long now = System.currentTimeMillis();
        long budget = 3584L << 20;
        TelemetryBatch b = TelemetryBatch.newBuilder().setDeviceId(id).setStreamId(1).setTimestampMs(now)
                .setEmulated(true).setEmulatedProfile("raspberry-pi-4").setMemoryBudgetBytes(budget)
                .addSamples(sample(0, now - 2000, 0.1).toBuilder().setProcessRssBytes(budget))
                .addSamples(sample(1, now - 1000, 0.1).toBuilder().setProcessRssBytes(budget + 1)).build();
        assertTrue(ingest().handle(Topics.device(id, Topics.Kind.TELEMETRY), b.toByteArray()));
        List<TelemetryViews.Sample> got = controller.context().getBean(TelemetryStore.class).samples(id, 0, 10);
        assertEquals(List.of(false, true), got.stream().map(TelemetryViews.Sample::overMemoryBudget).toList(),
                "at the budget fits, one byte above is a violation");
        assertEquals(budget, got.get(0).memoryBudgetBytes());
        String text = http.retrieve(HttpRequest.GET("/prometheus"), String.class);
        assertTrue(text.contains("tinyfleet_device_emulation_memory_violation{device=\"emu-1\"} 1.0"), text);
        assertTrue(text.contains("tinyfleet_device_process_rss_bytes{device=\"emu-1\"} "), text);
        // a device that does not emulate has no budget: no violation, no made-up 0
        ingest().handle(Topics.device("real-1", Topics.Kind.TELEMETRY), batch("real-1", 1, now, 0));
        text = http.retrieve(HttpRequest.GET("/prometheus"), String.class);
        assertTrue(text.contains("tinyfleet_device_emulation_memory_violation{device=\"real-1\"} NaN"), text);
        assertTrue(controller.context().getBean(TelemetryStore.class).samples("real-1", 0, 10).get(0).memoryBudgetBytes() == null);
    }

    @Test
    void profiles_listsTheCatalogue() {
        @SuppressWarnings("unchecked")
        Map<String, Object> cat = http.retrieve(HttpRequest.GET("/api/profiles"), Map.class);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> profiles = (List<Map<String, Object>>) cat.get("profiles");
        List<String> ids = profiles.stream().map(p -> (String) p.get("id")).toList();
        assertTrue(ids.containsAll(List.of("raspberry-pi-4", "raspberry-pi-5", "jetson-nano", "x86-laptop")), ids.toString());
        assertTrue(cat.get("errors") == null || ((List<?>) cat.get("errors")).isEmpty(), String.valueOf(cat.get("errors")));
        Map<?, ?> pi = http.retrieve(HttpRequest.GET("/api/profiles/raspberry-pi-4"), Map.class);
        assertEquals(4, pi.get("cores"));
        HttpClientResponseException e = assertThrows(HttpClientResponseException.class,
                () -> http.retrieve(HttpRequest.GET("/api/profiles/pi-9000"), Map.class));
        assertEquals("PROFILE_NOT_FOUND", e.getResponse().getBody(Map.class).orElseThrow().get("code"));
    }

    @Test
    void benchmarkRequest_runsTheAgentsBenchmark_andTheReportIsStored() throws Exception {
        String id = "ondemand-1";
        try (TelemetryAgent a = TelemetryAgent.connect(controller.brokerUrl(), id, Optional.empty(),
                TelemetryOptions.defaults())) {
            a.setActiveModel(() -> Optional.of(new TelemetryAgent.ActiveModel(
                    io.tinyfleet.runtime.model.TinyModels.brightestPixel(1), "tiny", java.util.OptionalDouble.empty(), 0)));
            Thread.sleep(1500); // the agent subscribes to its requests on its first tick
            @SuppressWarnings("unchecked")
            Map<String, Object> req = http.retrieve(HttpRequest.POST("/api/devices/" + id + "/benchmark?runs=20", ""), Map.class);
            String requestId = (String) req.get("requestId");
            TelemetryStore store = controller.context().getBean(TelemetryStore.class);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (store.benchmarks(id, null, 5).isEmpty() && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            TelemetryViews.Benchmark b = store.benchmarks(id, null, 5).get(0);
            assertEquals(requestId, b.requestId());
            assertEquals("on-demand", b.trigger());
            assertTrue(b.ok(), b.error());
            assertEquals("tiny", b.modelId());
            assertTrue(b.latencyP95Ms() > 0);
            assertNull(b.accuracy(), "no health-check accuracy: unknown, not invented");
        }
    }

    @Test
    void agent_publishesBatchedSamplesOverMqtt_thatTheControllerStores() throws Exception {
        String id = "live-1";
        try (TelemetryAgent a = TelemetryAgent.connect(controller.brokerUrl(), id, Optional.empty(),
                TelemetryOptions.defaults().withInterval(Duration.ofMillis(200)).withBatchSize(2))) {
            TelemetryStore store = controller.context().getBean(TelemetryStore.class);
            long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (store.count(id) < 4 && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertTrue(store.count(id) >= 4, "stored " + store.count(id));
            TelemetryViews.Sample s = store.samples(id, 0, 10).get(0);
            assertFalse(s.emulated());
            assertTrue(s.cpuLoad() == null || (s.cpuLoad() >= 0 && s.cpuLoad() <= 1));
            assertEquals(0, store.loss(id).orElseThrow().lost());
        }
    }
}
