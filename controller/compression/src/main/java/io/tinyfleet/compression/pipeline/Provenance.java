package io.tinyfleet.compression.pipeline;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tinyfleet.runtime.model.OnnxModel;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a model was made, kept in its ONNX {@code metadata_props} (after Tribuo's ModelProvenance):
 * {@value #ID_KEY} holds the output id and {@value #KEY} a compact JSON document with the tool and its
 * version, dataset and its hash, seed, source model hash and what its trainer recorded, and one record
 * per step (see {@link #write}). {@link #pipelineText} turns it back into the pipeline that made the
 * model; {@link #steps} reads the step records of this and of the first, verbose format.
 */
public final class Provenance {

    /** Metadata key of the JSON provenance document. */
    public static final String KEY = "tinyfleet.provenance";
    /** Metadata key of the model id (hash chain). */
    public static final String ID_KEY = "tinyfleet.id";

    /**
     * Metadata key naming the model family: every model compressed from one source shares it, so
     * the dashboard's trade-off view can put them side by side.
     */
    public static final String FAMILY_KEY = "tinyfleet.family";

    /** Metadata key of the architecture a trained model was built from. */
    public static final String ARCH_KEY = "tinyfleet.arch";
    /** Prefix of every TinyFleet metadata key; such keys are excluded from content hashes. */
    public static final String PREFIX = "tinyfleet.";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Provenance() {
    }

    /** The tool version (jar manifest) or {@code dev}. */
    public static String toolVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * SHA-256 of the model without TinyFleet provenance metadata: equal graphs give equal hashes
     * whatever their history or timings.
     */
    public static String contentSha256(OnnxModel model) {
        ModelProto p = model.proto();
        boolean has = p.getMetadataPropsList().stream().anyMatch(e -> e.getKey().startsWith(PREFIX)
                && !e.getKey().startsWith("tinyfleet.session."));
        if (!has) {
            return model.sha256();
        }
        ModelProto.Builder b = p.toBuilder().clearMetadataProps();
        for (StringStringEntryProto e : p.getMetadataPropsList()) {
            if (!e.getKey().startsWith(PREFIX) || e.getKey().startsWith("tinyfleet.session.")) {
                b.addMetadataProps(e);
            }
        }
        return OnnxModel.sha256Hex(b.build().toByteArray());
    }

    /**
     * The model's family: its recorded {@value #FAMILY_KEY}, else its architecture
     * ({@value #ARCH_KEY}), else the first 12 characters of its id.
     */
    public static String family(OnnxModel model) {
        Map<String, String> m = model.metadata();
        if (m.containsKey(FAMILY_KEY)) {
            return m.get(FAMILY_KEY);
        }
        if (m.containsKey(ARCH_KEY)) {
            return m.get(ARCH_KEY);
        }
        String id = id(model);
        return id.substring(0, Math.min(12, id.length()));
    }

    /** The model's id: its recorded {@value #ID_KEY}, or its content hash when it has no provenance. */
    public static String id(OnnxModel model) {
        String id = model.metadata().get(ID_KEY);
        return id != null ? id : contentSha256(model);
    }

    /** Id of a step output: SHA-256 over input id, technique id, version, canonical config and seed. */
    public static String outputId(String inputId, String technique, int version, String config, long seed) {
        String s = inputId + "\n" + technique + "\n" + version + "\n" + config + "\nseed=" + seed;
        return OnnxModel.sha256Hex(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The provenance document of {@code model} as stored (either format), or null. */
    public static JsonNode read(OnnxModel model) {
        String s = model.metadata().get(KEY);
        if (s == null) {
            return null;
        }
        try {
            return JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("model " + model.origin() + " has unreadable " + KEY + ": "
                    + e.getOriginalMessage());
        }
    }

    /**
     * The pipeline text that made {@code model} (steps of earlier runs first), or null when the model
     * carries no TinyFleet provenance. Reads both the compact format and the first, verbose one.
     */
    public static String pipelineText(OnnxModel model) {
        JsonNode doc = read(model);
        if (doc == null) {
            return null;
        }
        List<String> steps = new ArrayList<>();
        doc.path("steps").forEach(s -> steps.add(s.path("step").asText()));
        return String.join(" > ", steps);
    }

    /**
     * The step records of {@code model}'s provenance in the compact form (see {@link #write}), the first,
     * verbose format converted; empty without provenance.
     */
    public static List<JsonNode> steps(OnnxModel model) {
        JsonNode doc = read(model);
        List<JsonNode> out = new ArrayList<>();
        if (doc == null) {
            return out;
        }
        boolean verbose = !doc.has("v");
        for (JsonNode s : doc.path("steps")) {
            out.add(verbose ? compactStep(s) : s);
        }
        return out;
    }

    /** A step of the first, verbose format in the compact form. */
    private static JsonNode compactStep(JsonNode s) {
        return compactStep(s.path("step").asText(), s.path("technique").asText(), s.path("version").asInt(),
                s.path("outputSha256").asText(), s.path("millis").asDouble(),
                s.path("after").isObject() ? JSON.convertValue(s.get("after"), Metrics.class) : null,
                s.path("stats").isObject() ? JSON.convertValue(s.get("stats"), Map.class) : null);
    }

    /** One step's record in the compact form (see {@link #write}). */
    private static ObjectNode compactStep(String step, String technique, int version, String outputSha256,
                                          double millis, Metrics after, Map<?, ?> stats) {
        ObjectNode c = JSON.createObjectNode();
        c.put("step", step);
        c.put("t", technique + "@" + version);
        c.put("out", outputSha256);
        c.put("ms", Math.round(millis));
        if (after != null) {
            c.set("m", JSON.valueToTree(metrics(after)));
        }
        if (stats != null && !stats.isEmpty()) {
            c.set("stats", JSON.valueToTree(round(stats)));
        }
        return c;
    }

    /**
     * {@code model} with provenance written: the chain of {@code records} appended to what
     * {@code source} already carried.
     *
     * <p>The document is compact because it ships with every artifact and counts in its wire size (on
     * the LeNet-5 wire chain the verbose form was about a fifth of the zstd bytes): {@code v} (format
     * 2), {@code tool} (name and version), {@code data} and {@code dataSha} (dataset and its SHA-256),
     * {@code seed}, {@code src} (content hash of the source model), {@code srcId} (only when its id is
     * not that hash), {@code srcM} (the source's figures, when measured), {@code srcMeta} (what the
     * trainer recorded on the source: epochs, batch, optimizer, schedule, loss, test accuracy; moved
     * out of the artifact's own {@code metadata_props}, which would otherwise describe the source as if
     * it were the artifact; empty values and values equal to this document's dataset, its hash, tool or
     * seed are left out), and one record per step: {@code step} (its pipeline text, every setting
     * included), {@code t} (technique id {@code @} version), {@code out} (output content hash; the
     * input hash is the previous step's {@code out}, or {@code src}), {@code ms} (wall time),
     * {@code m} (figures after the step: {@code acc}, {@code file}, {@code wire}, {@code params},
     * {@code macs}, {@code lat} in ms; the last step's sizes are measured before its own record is
     * added) and {@code stats} (the technique's own figures, 4 significant
     * digits). Step ids are not stored: each is {@link #outputId} of the previous one (starting at the
     * source id), the step's technique, version and config and the seed; the last is {@value #ID_KEY}.
     * The technique's notes are messages to the user and are not kept.
     */
    static OnnxModel write(OnnxModel model, OnnxModel source, List<StepRecord> records, String dataset,
                           String datasetSha256, long seed) {
        ObjectNode doc = JSON.createObjectNode();
        JsonNode earlier = read(source);
        doc.put("v", 2);
        doc.put("tool", "tinyfleet " + toolVersion());
        if (dataset != null) {
            doc.put("data", dataset);
        }
        if (datasetSha256 != null) {
            doc.put("dataSha", datasetSha256);
        }
        doc.put("seed", seed);
        ArrayNode steps = JSON.createArrayNode();
        if (earlier != null) {
            boolean verbose = !earlier.has("v");
            String src = verbose ? earlier.path("sourceSha256").asText() : earlier.path("src").asText();
            putSource(doc, src, verbose ? earlier.path("sourceId").asText() : earlier.path("srcId").asText(src));
            JsonNode firstBefore = verbose ? earlier.path("steps").path(0).path("before") : earlier.path("srcM");
            if (firstBefore.isObject()) {
                doc.set("srcM", verbose ? JSON.valueToTree(metrics(JSON.convertValue(firstBefore, Metrics.class)))
                        : firstBefore);
            }
            if (earlier.path("srcMeta").isObject()) {
                doc.set("srcMeta", earlier.get("srcMeta"));
            }
            steps.addAll(steps(source));
        } else {
            putSource(doc, contentSha256(source), id(source));
            if (!records.isEmpty() && records.get(0).before() != null) {
                doc.set("srcM", JSON.valueToTree(metrics(records.get(0).before())));
            }
            Map<String, String> meta = new TreeMap<>();
            source.metadata().forEach((k, v) -> {
                boolean same = switch (k) {
                    case TRAIN_DATA_SHA_KEY -> v.equals(datasetSha256);
                    case "tinyfleet.dataset" -> v.equals(dataset);
                    case "tinyfleet.tool" -> v.equals(doc.path("tool").asText());
                    case "tinyfleet.train.seed" -> v.equals(Long.toString(seed));
                    default -> false;
                };
                if (moved(k) && !v.isEmpty() && !same) {
                    meta.put(k.substring(PREFIX.length()), v);
                }
            });
            if (!meta.isEmpty()) {
                doc.set("srcMeta", JSON.valueToTree(meta));
            }
        }
        for (StepRecord r : records) {
            steps.add(compactStep(r.step(), r.technique(), r.version(), r.outputSha256(), r.millis(), r.after(),
                    r.stats()));
        }
        doc.set("steps", steps);
        try {
            String json = JSON.writeValueAsString(doc);
            String id = records.isEmpty() ? id(source) : records.get(records.size() - 1).outputId();
            ModelProto p = model.proto();
            ModelProto.Builder b = p.toBuilder().clearMetadataProps();
            for (StringStringEntryProto e : p.getMetadataPropsList()) {
                if (!moved(e.getKey())) {
                    b.addMetadataProps(e);
                }
            }
            return OnnxModel.of(b.build(), model.origin()).withMetadata(KEY, json).withMetadata(ID_KEY, id)
                    .withMetadata(FAMILY_KEY, family(source));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write provenance: " + e.getMessage(), e);
        }
    }

    /** The source's content hash, and its id only where that is not the hash. */
    private static void putSource(ObjectNode doc, String src, String srcId) {
        doc.put("src", src);
        if (!srcId.equals(src)) {
            doc.put("srcId", srcId);
        }
    }

    /** Metadata key under which the trainer records the SHA-256 of its training split. */
    private static final String TRAIN_DATA_SHA_KEY = "tinyfleet.train.dataset.sha256";

    /**
     * Whether {@code key} is one of the trainer's records about how a model was trained; a compressed
     * artifact carries the source's in its provenance ({@code srcMeta}), not as its own.
     */
    static boolean moved(String key) {
        return key.startsWith("tinyfleet.train.") || key.equals("tinyfleet.dataset") || key.equals("tinyfleet.tool")
                || key.equals("tinyfleet.testAccuracy");
    }

    /** Figures with short keys, nulls left out, latency to 3 significant digits. */
    private static Map<String, Object> metrics(Metrics m) {
        Map<String, Object> o = new LinkedHashMap<>();
        if (m.accuracy() != null) {
            o.put("acc", significant(m.accuracy(), 4));
        }
        o.put("file", m.fileBytes());
        if (m.wireBytes() != null) {
            o.put("wire", m.wireBytes());
        }
        o.put("params", m.parameters());
        if (m.macs() != null) {
            o.put("macs", m.macs());
        }
        if (m.latencyMs() != null) {
            o.put("lat", significant(m.latencyMs(), 3));
        }
        return o;
    }

    /** {@code v} with floating-point numbers (also inside maps and lists) rounded to 4 significant digits. */
    private static Object round(Object v) {
        if (v instanceof Double || v instanceof Float) {
            return significant(((Number) v).doubleValue(), 4);
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> o = new LinkedHashMap<>();
            m.forEach((k, x) -> o.put(k, round(x)));
            return o;
        }
        if (v instanceof List<?> l) {
            List<Object> o = new ArrayList<>();
            l.forEach(x -> o.add(round(x)));
            return o;
        }
        return v;
    }

    static double significant(double v, int digits) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        return new BigDecimal(v).round(new MathContext(digits)).doubleValue();
    }
}
