package io.tinyfleet.compression;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The declared configuration of a technique: its fields, in order, plus an optional check across
 * fields (e.g. exactly one of {@code rank}, {@code energy}, {@code ratio}).
 *
 * @param owner  technique id, used in error messages
 * @param fields declared fields
 * @param check  cross-field check run after every field parsed; throws IllegalArgumentException
 */
public record ConfigSpec(String owner, List<ConfigField> fields, Consumer<TechniqueConfig> check) {

    /** Copies the fields. */
    public ConfigSpec {
        fields = List.copyOf(fields);
        if (check == null) {
            check = c -> { };
        }
    }

    /** A spec without cross-field checks. */
    public static ConfigSpec of(String owner, ConfigField... fields) {
        return new ConfigSpec(owner, List.of(fields), null);
    }

    /** The field called {@code name}, or null. */
    public ConfigField field(String name) {
        for (ConfigField f : fields) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /**
     * Validates user values and fills defaults.
     *
     * @throws IllegalArgumentException naming the technique and the field (unknown, missing, out of range)
     */
    public TechniqueConfig parse(Map<String, String> values) {
        for (String k : values.keySet()) {
            if (field(k) == null) {
                List<String> names = new ArrayList<>();
                fields.forEach(f -> names.add(f.name()));
                throw new IllegalArgumentException(owner + ": unknown field '" + k + "'"
                        + (names.isEmpty() ? " (this technique takes no settings)" : " (known: " + String.join(", ", names) + ")"));
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (ConfigField f : fields) {
            String raw = values.get(f.name());
            if (raw == null) {
                if (f.required()) {
                    throw new IllegalArgumentException(owner + ": field '" + f.name() + "' is required ("
                            + f.description() + ")");
                }
                if (f.defaultValue() != null) {
                    out.put(f.name(), f.defaultValue());
                }
            } else {
                out.put(f.name(), f.canonical(owner, raw));
            }
        }
        TechniqueConfig c = new TechniqueConfig(owner, out);
        check.accept(c);
        return c;
    }
}
