package io.tinyfleet.compression.pipeline;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinyfleet.runtime.model.OnnxModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a model was made, kept in its ONNX {@code metadata_props} (after Tribuo's ModelProvenance):
 * {@value #ID_KEY} holds the output id and {@value #KEY} a JSON document with the tool and its
 * version, dataset and its hash, seed, source model hash and id, the pipeline text and the chain of
 * {@link StepRecord}s. {@link #pipelineText} turns it back into the pipeline that made the model.
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

    /** The provenance document of {@code model}, or null. */
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
     * carries no TinyFleet provenance.
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
     * {@code model} with provenance written: the chain of {@code records} appended to what
     * {@code source} already carried.
     */
    static OnnxModel write(OnnxModel model, OnnxModel source, List<StepRecord> records, String dataset,
                           String datasetSha256, long seed) {
        Map<String, Object> doc = new LinkedHashMap<>();
        List<Object> steps = new ArrayList<>();
        JsonNode earlier = read(source);
        Object sourceSha = contentSha256(source);
        Object sourceId = id(source);
        if (earlier != null) {
            earlier.path("steps").forEach(steps::add);
            sourceSha = earlier.path("sourceSha256").asText();
            sourceId = earlier.path("sourceId").asText();
        }
        steps.addAll(records);
        doc.put("tool", "tinyfleet");
        doc.put("toolVersion", toolVersion());
        doc.put("dataset", dataset);
        doc.put("datasetSha256", datasetSha256);
        doc.put("seed", seed);
        doc.put("sourceSha256", sourceSha);
        doc.put("sourceId", sourceId);
        List<String> texts = new ArrayList<>();
        if (earlier != null) {
            earlier.path("steps").forEach(s -> texts.add(s.path("step").asText()));
        }
        records.forEach(r -> texts.add(r.step()));
        doc.put("pipeline", String.join(" > ", texts));
        doc.put("steps", steps);
        try {
            String json = JSON.writeValueAsString(doc);
            String id = records.isEmpty() ? id(source) : records.get(records.size() - 1).outputId();
            return model.withMetadata(KEY, json).withMetadata(ID_KEY, id).withMetadata(FAMILY_KEY, family(source));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write provenance: " + e.getMessage(), e);
        }
    }
}
