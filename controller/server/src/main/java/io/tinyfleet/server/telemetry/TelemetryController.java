package io.tinyfleet.server.telemetry;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import io.tinyfleet.proto.Topics;
import io.tinyfleet.server.api.ApiError;
import io.tinyfleet.server.api.ApiException;
import org.reactivestreams.Publisher;

import java.util.List;
import java.util.Map;

/**
 * Telemetry JSON API: {@code GET /api/telemetry/{id}?minutes=M} (series), {@code GET /api/telemetry/{id}/loss},
 * {@code GET /api/benchmarks?device=&family=&limit=}, {@code POST /api/devices/{id}/benchmark} (ask the
 * device to benchmark its active model now) and the live feed {@code GET /api/live} (Server-Sent Events).
 */
@Controller("/api")
public class TelemetryController {

    /** Stable error code: the controller has no MQTT connection for telemetry. */
    public static final String BROKER_UNAVAILABLE = "BROKER_UNAVAILABLE";
    /** Stable error code: the device never sent telemetry. */
    public static final String NO_TELEMETRY = "NO_TELEMETRY";

    private final TelemetryStore store;
    private final TelemetryIngest ingest;
    private final LiveFeed live;

    TelemetryController(TelemetryStore store, TelemetryIngest ingest, LiveFeed live) {
        this.store = store;
        this.ingest = ingest;
        this.live = live;
    }

    /** A device's hardware samples of the last {@code minutes} (default 15, at most 5000 points). */
    @Get("/telemetry/{id}")
    @ExecuteOn(TaskExecutors.BLOCKING)
    public List<TelemetryViews.Sample> samples(@PathVariable String id, @Nullable @QueryValue Integer minutes) {
        requireId(id);
        int m = minutes == null ? 15 : minutes;
        if (m < 1 || m > 60 * 24 * 31) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.BAD_REQUEST,
                    "minutes must be between 1 and 44640, got " + m);
        }
        return store.samples(id, System.currentTimeMillis() - m * 60_000L, 5000);
    }

    /** Received, lost and duplicate samples of a device; 404 {@code NO_TELEMETRY} when it never sent any. */
    @Get("/telemetry/{id}/loss")
    @ExecuteOn(TaskExecutors.BLOCKING)
    public TelemetryViews.Loss loss(@PathVariable String id) {
        requireId(id);
        return store.loss(id).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, NO_TELEMETRY,
                "device '" + id + "' has sent no telemetry"));
    }

    /** Benchmark reports, newest first. */
    @Get("/benchmarks")
    @ExecuteOn(TaskExecutors.BLOCKING)
    public List<TelemetryViews.Benchmark> benchmarks(@Nullable @QueryValue String device, @Nullable @QueryValue String family,
                                                     @Nullable @QueryValue Integer limit) {
        int n = limit == null ? 500 : limit;
        if (n < 1 || n > 10_000) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.BAD_REQUEST, "limit must be between 1 and 10000, got " + n);
        }
        return store.benchmarks(device, family, n);
    }

    /** The request id of a benchmark request. */
    @Serdeable
    public record BenchmarkRequested(String deviceId, String requestId) {
    }

    /** Asks a device to benchmark its active model; the report arrives on {@code /api/benchmarks} and the live feed. */
    @Post("/devices/{id}/benchmark")
    @ExecuteOn(TaskExecutors.BLOCKING)
    public BenchmarkRequested requestBenchmark(@PathVariable String id, @Nullable @QueryValue Integer runs) {
        requireId(id);
        try {
            return new BenchmarkRequested(id, ingest.requestBenchmark(id, runs == null ? 0 : runs));
        } catch (IllegalStateException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, BROKER_UNAVAILABLE, e.getMessage());
        }
    }

    /** Live events: {@code sample}, {@code benchmark}, {@code ping}. */
    @Get(value = "/live", produces = MediaType.TEXT_EVENT_STREAM)
    public Publisher<Event<Map<String, Object>>> live() {
        return live.stream();
    }

    private static void requireId(String id) {
        if (!Topics.isValidDeviceId(id)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, ApiError.BAD_REQUEST,
                    "invalid device id '" + id + "': use 1-64 characters from A-Z a-z 0-9 . _ -");
        }
    }
}
