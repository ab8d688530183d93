package io.tinyfleet.runtime.profile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns profile YAML into a {@link DeviceProfile}, checking every field.
 *
 * <p>Written over Jackson's tree model instead of data binding so that every error names the
 * field by its dotted path ({@code power.idleWatts}) with the rule it broke; binding errors name
 * Java types and line/column positions instead.
 */
final class ProfileReader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern ID = Pattern.compile("[a-z0-9-]+");
    private static final Set<String> TOP_KEYS = Set.of("id", "name", "cpu", "memoryMb", "storageMb",
            "accelerator", "power", "onnxruntime", "sources");
    private static final Set<String> CPU_KEYS = Set.of("model", "arch", "cores", "clockMhz", "isaFeatures");
    private static final Set<String> POWER_KEYS = Set.of("idleWatts", "loadedWatts");
    private static final Set<String> ORT_KEYS = Set.of("executionProviders", "intraOpThreads");
    private static final List<String> REQUIRED_SOURCES = List.of("cpu", "memory", "storage", "power");

    private final String origin;

    ProfileReader(String origin) {
        this.origin = origin;
    }

    DeviceProfile read(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("device profile " + origin + ": not valid YAML: "
                    + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw fail("", "must be a YAML mapping with the keys " + sorted(TOP_KEYS));
        }
        checkKeys(root, "", TOP_KEYS);

        String id = text(root, "id");
        if (!ID.matcher(id).matches()) {
            throw fail("id", "must match [a-z0-9-]+, got '" + id + "'");
        }
        String name = text(root, "name");

        JsonNode cpuNode = object(root, "cpu");
        checkKeys(cpuNode, "cpu.", CPU_KEYS);
        String arch = text(cpuNode, "cpu.", "arch");
        if (!DeviceProfile.ARCHITECTURES.contains(arch)) {
            throw fail("cpu.arch", "must be one of " + DeviceProfile.ARCHITECTURES + ", got '" + arch + "'");
        }
        DeviceProfile.Cpu cpu = new DeviceProfile.Cpu(
                text(cpuNode, "cpu.", "model"),
                arch,
                (int) positiveLong(cpuNode, "cpu.", "cores"),
                (int) positiveLong(cpuNode, "cpu.", "clockMhz"),
                cpuNode.has("isaFeatures") ? strings(cpuNode, "cpu.", "isaFeatures", true) : List.of());

        long memoryMb = positiveLong(root, "", "memoryMb");
        long storageMb = positiveLong(root, "", "storageMb");
        String accelerator = root.has("accelerator") ? text(root, "accelerator") : DeviceProfile.NO_ACCELERATOR;

        JsonNode powerNode = object(root, "power");
        checkKeys(powerNode, "power.", POWER_KEYS);
        double idle = positiveDouble(powerNode, "power.", "idleWatts");
        double loaded = positiveDouble(powerNode, "power.", "loadedWatts");
        if (loaded < idle) {
            throw fail("power.loadedWatts", "must be >= power.idleWatts (" + idle + "), got " + loaded);
        }

        JsonNode ortNode = object(root, "onnxruntime");
        checkKeys(ortNode, "onnxruntime.", ORT_KEYS);
        DeviceProfile.OnnxRuntime ort = new DeviceProfile.OnnxRuntime(
                strings(ortNode, "onnxruntime.", "executionProviders", false),
                (int) positiveLong(ortNode, "onnxruntime.", "intraOpThreads"));

        JsonNode sourcesNode = object(root, "sources");
        Map<String, String> sources = new LinkedHashMap<>();
        for (Iterator<String> it = sourcesNode.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            sources.put(key, text(sourcesNode, "sources.", key));
        }
        List<String> needed = new ArrayList<>(REQUIRED_SOURCES);
        if (!DeviceProfile.NO_ACCELERATOR.equals(accelerator)) {
            needed.add("accelerator");
        }
        for (String group : needed) {
            if (!sources.containsKey(group)) {
                throw fail("sources." + group, "is required: say where the " + group + " figures come from");
            }
        }

        return new DeviceProfile(id, name, cpu, memoryMb, storageMb, accelerator,
                new DeviceProfile.Power(idle, loaded), ort, sources);
    }

    private void checkKeys(JsonNode node, String prefix, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw fail(prefix + key, "is not a known key; allowed here: " + sorted(allowed));
            }
        }
    }

    private JsonNode required(JsonNode parent, String prefix, String key) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            throw fail(prefix + key, "is required");
        }
        return n;
    }

    private String text(JsonNode parent, String key) {
        return text(parent, "", key);
    }

    private String text(JsonNode parent, String prefix, String key) {
        JsonNode n = required(parent, prefix, key);
        if (!n.isTextual() && !n.isNumber() && !n.isBoolean()) {
            throw fail(prefix + key, "must be a text value");
        }
        String s = n.asText().trim();
        if (s.isEmpty()) {
            throw fail(prefix + key, "must not be empty");
        }
        return s;
    }

    private JsonNode object(JsonNode parent, String key) {
        JsonNode n = required(parent, "", key);
        if (!n.isObject()) {
            throw fail(key, "must be a mapping");
        }
        return n;
    }

    private long positiveLong(JsonNode parent, String prefix, String key) {
        JsonNode n = required(parent, prefix, key);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw fail(prefix + key, "must be a whole number, got '" + n.asText() + "'");
        }
        long v = n.asLong();
        if (v <= 0) {
            throw fail(prefix + key, "must be > 0, got " + v);
        }
        if (!"memoryMb".equals(key) && !"storageMb".equals(key) && v > Integer.MAX_VALUE) {
            throw fail(prefix + key, "is too large: " + v);
        }
        return v;
    }

    private double positiveDouble(JsonNode parent, String prefix, String key) {
        JsonNode n = required(parent, prefix, key);
        if (!n.isNumber()) {
            throw fail(prefix + key, "must be a number, got '" + n.asText() + "'");
        }
        double v = n.asDouble();
        if (!(v > 0) || Double.isInfinite(v)) {
            throw fail(prefix + key, "must be > 0, got " + n.asText());
        }
        return v;
    }

    private List<String> strings(JsonNode parent, String prefix, String key, boolean mayBeEmpty) {
        JsonNode n = required(parent, prefix, key);
        if (!n.isArray()) {
            throw fail(prefix + key, "must be a list");
        }
        if (n.isEmpty() && !mayBeEmpty) {
            throw fail(prefix + key, "must not be empty");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (!e.isTextual() || e.asText().isBlank()) {
                throw fail(prefix + key + "[" + i + "]", "must be a non-empty text value");
            }
            out.add(e.asText().trim());
        }
        return out;
    }

    private IllegalArgumentException fail(String field, String rule) {
        String where = field.isEmpty() ? "the document" : "field '" + field + "'";
        return new IllegalArgumentException("device profile " + origin + ": " + where + " " + rule);
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().toList();
    }
}
