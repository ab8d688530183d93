package io.tinyfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinyfleet deploy MODEL --to DEVICE|tag:T --controller URL}: uploads a model file (or names
 * one already stored), starts a signed, wave-based deployment and with {@code --wait} follows it
 * until every target is ACTIVE or failed (exit 0 only when all are ACTIVE).
 */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = "Deploy a model over the air: upload (if MODEL is a file), sign, send in waves; --wait follows it.")
public final class DeployCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "an .onnx file (uploaded first) or the id, id prefix or name of a stored model")
    String model;

    @Option(names = "--to", split = ",", paramLabel = "TARGET",
            description = "device ids and/or tag:T (profile id or CPU arch; tag:all = every known device)")
    List<String> targets = new ArrayList<>();

    @Option(names = "--controller", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "controller base URL (default ${DEFAULT-VALUE})")
    String controller;

    @Option(names = "--waves", defaultValue = "100%",
            description = "cumulative wave sizes, counts or percentages, e.g. 1,50%%,100%% (default ${DEFAULT-VALUE})")
    String waves;

    @Option(names = "--max-p95-ms", description = "latency ceiling: checked on each device, gates the rollout")
    Double maxP95Ms;

    @Option(names = "--min-accuracy", description = "accuracy floor (0..1) on the model's eval shard")
    Double minAccuracy;

    @Option(names = "--success-threshold", defaultValue = "100",
            description = "%% of a wave that must be ACTIVE before the next starts (default ${DEFAULT-VALUE})")
    double successThreshold;

    @Option(names = "--error-threshold", defaultValue = "100",
            description = "%% of failed devices at which the rollout pauses (100 = never; default ${DEFAULT-VALUE})")
    double errorThreshold;

    @Option(names = "--chunk-size", description = "bytes per MQTT chunk (default: the controller's, 256 KiB)")
    Integer chunkSize;

    @Option(names = "--name", description = "label of an uploaded model (default: the file name)")
    String name;

    @Option(names = "--upload-only", description = "store the model on the controller and print it; deploy nothing")
    boolean uploadOnly;

    @Option(names = "--wait", description = "block until every target is ACTIVE or failed; exit 1 unless all ACTIVE")
    boolean await;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "--wait gives up after this (ISO-8601, default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ControllerHttp http = new ControllerHttp(controller);
        String modelRef = model;
        Path file = Path.of(model);
        if (Files.isRegularFile(file)) {
            Map<String, String> fields = new HashMap<>();
            fields.put("source", "cli");
            if (name != null) {
                fields.put("name", name);
            }
            JsonNode rec = http.postFile("/api/models", name != null ? name : file.getFileName().toString(),
                    Files.readAllBytes(file), fields);
            modelRef = rec.path("id").asText();
            if (uploadOnly) {
                if (json) {
                    Json.print(System.out, rec);
                } else {
                    System.out.printf("stored %s as %s (%d bytes, %d on the wire)%n", file, modelRef,
                            rec.path("modelBytes").asLong(), rec.path("artifactBytes").asLong());
                }
                return 0;
            }
            if (!json) {
                System.err.printf("uploaded %s as model %s%n", file, modelRef.substring(0, 12));
            }
        } else if (model.endsWith(".onnx")) {
            throw new IllegalArgumentException("model file " + model + " does not exist");
        } else if (uploadOnly) {
            throw new IllegalArgumentException("--upload-only needs a model file, got '" + model + "'");
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("--to is required: device ids or tag:T");
        }
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", modelRef);
        req.put("targets", targets);
        req.put("waves", waves);
        req.put("maxP95Ms", maxP95Ms);
        req.put("minAccuracy", minAccuracy);
        req.put("successThreshold", successThreshold);
        req.put("errorThreshold", errorThreshold);
        req.put("chunkSize", chunkSize);
        JsonNode r = http.postJson("/api/deployments", req);
        String id = r.path("id").asText();
        if (!await) {
            if (json) {
                Json.print(System.out, summary(r));
            } else {
                System.out.printf("deployment %s started: %d targets, waves %s%n", id, r.path("devices").size(),
                        r.path("waves").asText());
            }
            return 0;
        }
        long end = System.nanoTime() + timeout.toNanos();
        Map<String, String> last = new HashMap<>();
        while (true) {
            r = http.get("/api/deployments/" + id);
            for (JsonNode d : r.path("devices")) {
                String line = d.path("state").asText() + progress(d);
                if (!line.equals(last.put(d.path("deviceId").asText(), line)) && !json) {
                    System.err.printf("%s  %-20s %s%s%n", java.time.LocalTime.now().withNano(0),
                            d.path("deviceId").asText(), line, d.path("code").asText("").isEmpty() ? ""
                                    : "  " + d.path("code").asText() + ": " + d.path("detail").asText());
                }
            }
            String state = r.path("state").asText();
            boolean done = r.path("done").asBoolean();
            if (done || "PAUSED".equals(state) || "ABORTED".equals(state)) {
                break;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("deployment " + id + " not finished after " + timeout
                        + " (state " + state + "; see tinyfleet rollouts)");
            }
            Thread.sleep(500);
        }
        Map<String, Object> s = summary(r);
        if (json) {
            Json.print(System.out, s);
        } else {
            System.out.printf("deployment %s: %s%s%n", id, r.path("state").asText(),
                    r.path("reason").asText("").isEmpty() ? "" : " (" + r.path("reason").asText() + ")");
        }
        return Boolean.TRUE.equals(s.get("ok")) ? 0 : 1;
    }

    private static String progress(JsonNode d) {
        return "DOWNLOADING".equals(d.path("state").asText()) ? " " + d.path("progressPct").asInt() + "%" : "";
    }

    static Map<String, Object> summary(JsonNode r) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("deployment", r.path("id").asText());
        s.put("model", r.path("modelId").asText());
        s.put("state", r.path("state").asText());
        s.put("reason", r.path("reason").asText(""));
        List<Map<String, Object>> devices = new ArrayList<>();
        boolean ok = r.path("devices").size() > 0;
        for (JsonNode d : r.path("devices")) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", d.path("deviceId").asText());
            m.put("state", d.path("state").asText());
            m.put("code", d.path("code").asText(""));
            m.put("detail", d.path("detail").asText(""));
            m.put("p95Ms", d.path("p95Ms").asDouble(-1));
            m.put("accuracy", d.path("accuracy").asDouble(-1));
            m.put("activeModel", d.path("activeModelId").asText(""));
            ok &= "ACTIVE".equals(d.path("state").asText());
            devices.add(m);
        }
        s.put("devices", devices);
        s.put("ok", ok);
        return s;
    }
}
