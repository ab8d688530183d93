package io.tinyfleet.compression;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A validated, immutable configuration: canonical text values in declared field order, defaults
 * filled in. Made only by {@link ConfigSpec#parse}; {@link #values()} parses back to an equal config.
 */
public final class TechniqueConfig {

    private final String owner;
    private final Map<String, String> values;

    TechniqueConfig(String owner, Map<String, String> values) {
        this.owner = owner;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Canonical values by field name, in declared order (parse these to get an equal config). */
    public Map<String, String> values() {
        return values;
    }

    /** Whether the field has a value (given or default). */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The text value. */
    public String text(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException(owner + ": field '" + name + "' has no value");
        }
        return v;
    }

    /** An INT field. */
    public int integer(String name) {
        return Math.toIntExact(Long.parseLong(text(name)));
    }

    /** A NUMBER field. */
    public double number(String name) {
        return Double.parseDouble(text(name));
    }

    /** A BOOL field. */
    public boolean bool(String name) {
        return Boolean.parseBoolean(text(name));
    }

    /** {@code k=v,k=v} in declared order. */
    public String toText() {
        StringJoiner j = new StringJoiner(",");
        values.forEach((k, v) -> j.add(k + "=" + v));
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TechniqueConfig c && c.owner.equals(owner) && c.values.equals(values);
    }

    @Override
    public int hashCode() {
        return owner.hashCode() * 31 + values.hashCode();
    }

    @Override
    public String toString() {
        return owner + "{" + toText() + "}";
    }
}
