package io.tinyfleet.compression;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds techniques by id ({@code prune.magnitude}) or by the pipeline words users type
 * ({@code prune}, {@code quantize:int8}).
 */
public final class TechniqueRegistry {

    private final Map<String, CompressionTechnique> byId = new LinkedHashMap<>();

    /** A registry of exactly {@code techniques}; ids and step/mode pairs must be unique. */
    public TechniqueRegistry(List<CompressionTechnique> techniques) {
        Map<String, String> words = new LinkedHashMap<>();
        for (CompressionTechnique t : techniques) {
            if (byId.put(t.id(), t) != null) {
                throw new IllegalArgumentException("two techniques with id " + t.id());
            }
            String w = t.step() + ":" + t.mode();
            if (words.put(w, t.id()) != null) {
                throw new IllegalArgumentException("techniques " + words.get(w) + " and " + t.id() + " share " + w);
            }
        }
    }

    /** Every technique TinyFleet ships. */
    public static TechniqueRegistry standard() {
        return new TechniqueRegistry(List.of(
                new io.tinyfleet.compression.prune.MagnitudePruning(),
                new io.tinyfleet.compression.distill.KnowledgeDistillation(),
                new io.tinyfleet.compression.prune.ChannelPruning(),
                new io.tinyfleet.compression.lowrank.TruncatedSvdFactorization(),
                new io.tinyfleet.compression.cluster.KMeansWeightClustering(),
                new io.tinyfleet.compression.quantize.qdq.StaticQdqQuantization(),
                new io.tinyfleet.compression.quantize.dynamic.DynamicInt8Quantization(),
                new io.tinyfleet.compression.quantize.fp16.Fp16WeightConversion(),
                new io.tinyfleet.compression.quantize.int4.BlockwiseInt4WeightQuantization(),
                new io.tinyfleet.compression.quantize.mixed.SensitivityMixedPrecision()
                ));
    }

    /** All techniques in registration order. */
    public List<CompressionTechnique> all() {
        return new ArrayList<>(byId.values());
    }

    /** The technique with {@code id}. */
    public CompressionTechnique byId(String id) {
        CompressionTechnique t = byId.get(id);
        if (t == null) {
            throw new IllegalArgumentException("unknown technique id '" + id + "' (known: "
                    + String.join(", ", byId.keySet()) + ")");
        }
        return t;
    }

    /**
     * The technique for pipeline word {@code step} and optional {@code mode}.
     *
     * @throws IllegalArgumentException listing the known words when nothing matches
     */
    public CompressionTechnique find(String step, String mode) {
        List<CompressionTechnique> sameStep = new ArrayList<>();
        for (CompressionTechnique t : byId.values()) {
            if (t.step().equals(step)) {
                sameStep.add(t);
            }
        }
        if (sameStep.isEmpty()) {
            List<String> steps = new ArrayList<>();
            byId.values().forEach(t -> {
                if (!steps.contains(t.step())) {
                    steps.add(t.step());
                }
            });
            throw new IllegalArgumentException("unknown step '" + step + "' (known: " + String.join(", ", steps) + ")");
        }
        for (CompressionTechnique t : sameStep) {
            if (Objects.equals(t.mode(), mode)) {
                return t;
            }
        }
        List<String> modes = new ArrayList<>();
        sameStep.forEach(t -> modes.add(String.valueOf(t.mode())));
        if (mode == null) {
            throw new IllegalArgumentException("step '" + step + "' needs a mode: " + step + ":"
                    + String.join("|", modes));
        }
        if (sameStep.size() == 1 && sameStep.get(0).mode() == null) {
            throw new IllegalArgumentException("step '" + step + "': setting '" + mode + "' is not key=value");
        }
        throw new IllegalArgumentException("unknown mode '" + mode + "' for step '" + step + "' (known: "
                + String.join("|", modes) + ")");
    }

    /** Help text: one block per technique with its fields. */
    public String help() {
        StringBuilder sb = new StringBuilder();
        for (CompressionTechnique t : byId.values()) {
            sb.append(t.step()).append(t.mode() != null ? ":" + t.mode() : "").append("  [").append(t.id())
                    .append("] ").append(t.description()).append('\n');
            for (ConfigField f : t.spec().fields()) {
                sb.append("    ").append(f.help()).append('\n');
            }
        }
        return sb.toString();
    }
}
