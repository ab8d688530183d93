package io.tinyfleet.compression;

import java.util.List;
import java.util.Locale;

/**
 * One declared setting of a {@link CompressionTechnique}: its name as users type it, its type, its
 * default (null when the field is required or optional without default), the allowed range or
 * choices, and a description shown in {@code --help}.
 *
 * @param name         key in the pipeline text ({@code sparsity})
 * @param type         value type
 * @param defaultValue canonical default, or null
 * @param required     whether the user must give it
 * @param min          smallest allowed number (inclusive), for INT and NUMBER
 * @param max          largest allowed number (inclusive), for INT and NUMBER
 * @param minExclusive whether {@code min} itself is refused
 * @param maxExclusive whether {@code max} itself is refused
 * @param choices      allowed words, for CHOICE
 * @param description  one line for users
 */
public record ConfigField(String name, Type type, String defaultValue, boolean required, double min, double max,
                          boolean minExclusive, boolean maxExclusive, List<String> choices, String description) {

    /** Value types of a field. */
    public enum Type { INT, NUMBER, CHOICE, BOOL, TEXT }

    /** Copies the choices. */
    public ConfigField {
        choices = List.copyOf(choices);
    }

    /** An integer field in {@code [min, max]}; {@code defaultValue} null means required. */
    public static ConfigField integer(String name, Long defaultValue, long min, long max, String description) {
        return new ConfigField(name, Type.INT, defaultValue == null ? null : Long.toString(defaultValue),
                defaultValue == null, min, max, false, false, List.of(), description);
    }

    /** An optional integer field without default (for one-of groups). */
    public static ConfigField optionalInteger(String name, long min, long max, String description) {
        return new ConfigField(name, Type.INT, null, false, min, max, false, false, List.of(), description);
    }

    /** A number field; exclusivity flags say whether the bounds are refused. */
    public static ConfigField number(String name, Double defaultValue, double min, boolean minExclusive, double max,
                                     boolean maxExclusive, String description) {
        return new ConfigField(name, Type.NUMBER, defaultValue == null ? null : canonicalNumber(defaultValue),
                defaultValue == null, min, max, minExclusive, maxExclusive, List.of(), description);
    }

    /** An optional number field without default (for one-of groups). */
    public static ConfigField optionalNumber(String name, double min, boolean minExclusive, double max,
                                             boolean maxExclusive, String description) {
        return new ConfigField(name, Type.NUMBER, null, false, min, max, minExclusive, maxExclusive, List.of(),
                description);
    }

    /** A field taking one of {@code choices}; the first is the default. */
    public static ConfigField choice(String name, String description, String... choices) {
        return new ConfigField(name, Type.CHOICE, choices[0], false, 0, 0, false, false, List.of(choices),
                description);
    }

    /**
     * A free text field (a file path, say) with a default; its value may not contain the pipeline
     * separators {@code ,} and {@code >}, so the step text parses back to the same value.
     */
    public static ConfigField text(String name, String defaultValue, String description) {
        return new ConfigField(name, Type.TEXT, defaultValue, false, 0, 0, false, false, List.of(), description);
    }

    /** A true/false field. */
    public static ConfigField bool(String name, boolean defaultValue, String description) {
        return new ConfigField(name, Type.BOOL, Boolean.toString(defaultValue), false, 0, 0, false, false,
                List.of(), description);
    }

    /**
     * Checks and canonicalises a value typed by a user.
     *
     * @param owner technique id, for the message
     * @throws IllegalArgumentException naming the technique, the field and what is allowed
     */
    public String canonical(String owner, String raw) {
        String v = raw == null ? "" : raw.trim();
        String where = owner + ": field '" + name + "'";
        switch (type) {
            case INT -> {
                long x;
                try {
                    x = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + " must be an integer, got '" + v + "'");
                }
                if (x < min || x > max) {
                    throw new IllegalArgumentException(where + " must be in " + (long) min + ".." + (long) max
                            + ", got " + x);
                }
                return Long.toString(x);
            }
            case NUMBER -> {
                double x;
                try {
                    x = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + " must be a number, got '" + v + "'");
                }
                boolean low = minExclusive ? x <= min : x < min;
                boolean high = maxExclusive ? x >= max : x > max;
                if (Double.isNaN(x) || low || high) {
                    throw new IllegalArgumentException(where + " must be in " + (minExclusive ? "(" : "[")
                            + canonicalNumber(min) + ", " + canonicalNumber(max) + (maxExclusive ? ")" : "]")
                            + ", got " + v);
                }
                return canonicalNumber(x);
            }
            case CHOICE -> {
                String lower = v.toLowerCase(Locale.ROOT);
                if (!choices.contains(lower)) {
                    throw new IllegalArgumentException(where + " must be one of " + String.join("|", choices)
                            + ", got '" + v + "'");
                }
                return lower;
            }
            case BOOL -> {
                String lower = v.toLowerCase(Locale.ROOT);
                if (!lower.equals("true") && !lower.equals("false")) {
                    throw new IllegalArgumentException(where + " must be true or false, got '" + v + "'");
                }
                return lower;
            }
            case TEXT -> {
                if (v.isEmpty()) {
                    throw new IllegalArgumentException(where + " must not be empty");
                }
                if (v.contains(",") || v.contains(">")) {
                    throw new IllegalArgumentException(where + " must not contain ',' or '>' (pipeline separators), got '"
                            + v + "'");
                }
                return v;
            }
            default -> throw new IllegalStateException(type.toString());
        }
    }

    /** The shortest text that reads back as the same double. */
    public static String canonicalNumber(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e15) {
            return Long.toString((long) x);
        }
        return Double.toString(x);
    }

    /** One line for help: {@code sparsity=NUMBER (0,1) required: fraction of weights set to zero}. */
    public String help() {
        String range = switch (type) {
            case INT -> (long) min + ".." + (long) max;
            case NUMBER -> (minExclusive ? "(" : "[") + canonicalNumber(min) + "," + canonicalNumber(max)
                    + (maxExclusive ? ")" : "]");
            case CHOICE -> String.join("|", choices);
            case BOOL -> "true|false";
            case TEXT -> "TEXT";
        };
        String def = required ? "required" : defaultValue == null ? "optional" : "default " + defaultValue;
        return name + "=" + range + " (" + def + "): " + description;
    }
}
