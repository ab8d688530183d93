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
            description = "device ids and/or tag:T (a tag the device declared or was assigned, its profile id or CPU arch; "
                    + "tag:all = every known device)")
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

    @Option(names = "--eval-shard", paramLabel = "FILE",
            description = "eval shard (.tfshard) uploaded with MODEL; devices check --min-accuracy on it")
    Path evalShard;

    @Option(names = "--eval-data", paramLabel = "DATA",
            description = "draw an eval shard from the test split of DATA (fashion-mnist or a folder of IDX files)")
    String evalData;

    @Option(names = "--eval-samples", defaultValue = "200",
            description = "samples of a drawn shard, stratified by class (default ${DEFAULT-VALUE})")
    int evalSamples;

    @Option(names = "--eval-seed", defaultValue = "42", description = "seed of the shard draw (default ${DEFAULT-VALUE})")
    long evalSeed;

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
            Map<String, Map.Entry<String, byte[]>> parts = new LinkedHashMap<>();
            parts.put("file", Map.entry(name != null ? name : file.getFileName().toString(), Files.readAllBytes(file)));
            byte[] shard = shard();
            if (shard != null) {
                parts.put("shard", Map.entry("eval.tfshard", shard));
            }
            JsonNode rec = http.postFiles("/api/models", parts, fields);
            modelRef = rec.path("id").asText();
            if (uploadOnly) {
                if (json) {
                    Json.print(System.out, rec);
                } else {
                    System.out.printf("stored %s as %s (%,d bytes; %,d on the wire%s)%n", file, modelRef,
                            rec.path("modelBytes").asLong(), rec.path("artifactBytes").asLong(),
                            withShard(rec.path("evalSamples").asInt()));
                }
                return 0;
            }
            if (!json) {
                System.err.printf("uploaded %s as model %s%n", file, modelRef.substring(0, 12));
            }
        } else if (evalShard != null || evalData != null) {
            throw new IllegalArgumentException("--eval-shard/--eval-data are uploaded with the model: MODEL must be "
                    + "an .onnx file, got '" + model + "'");
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

    /** The shard file to upload: --eval-shard as given, or one drawn from --eval-data; null for none. */
    private byte[] shard() throws java.io.IOException {
        if (evalShard != null && evalData != null) {
            throw new IllegalArgumentException("give --eval-shard or --eval-data, not both");
        }
        if (evalShard != null) {
            io.tinyfleet.runtime.data.EvalShard.read(evalShard); // one clear line if it is not a shard
            return Files.readAllBytes(evalShard);
        }
        if (evalData == null) {
            return null;
        }
        if (evalSamples < 1) {
            throw new IllegalArgumentException("--eval-samples must be >= 1, got " + evalSamples);
        }
        io.tinyfleet.runtime.data.LabeledImages test = io.tinyfleet.runtime.data.LabeledImages.load(evalData,
                io.tinyfleet.runtime.data.Split.TEST);
        int perClass = Math.max(1, (evalSamples + test.numClasses() - 1) / test.numClasses());
        io.tinyfleet.runtime.data.EvalShard s = io.tinyfleet.runtime.data.EvalShard.draw(test, evalData,
                io.tinyfleet.runtime.data.Split.TEST, perClass, evalSeed, io.tinyfleet.runtime.data.Preprocessing.DEFAULT);
        if (!json) {
            System.err.printf("drew an eval shard of %d %s test samples (seed %d)%n", s.images().count(), evalData,
                    evalSeed);
        }
        return s.toBytes();
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

    /**
     * {@code " with its N-image eval shard"}, or nothing: an OTA artifact is the zstd of the model and
     * its eval shard, so its wire size exceeds the model's own {@code wireBytes} when a shard ships.
     */
    static String withShard(int evalSamples) {
        return evalSamples > 0 ? " with its " + evalSamples + "-image eval shard" : "";
    }
}
