package io.tinyfleet.compression.search;

import java.util.Objects;

/**
 * One step of a pipeline as the pipeline text writes it: a technique name and its settings, e.g.
 * {@code prune:sparsity=0.8,finetune=1} (technique {@code prune}, config {@code sparsity=0.8,finetune=1}).
 *
 * @param technique technique name as the compression registry knows it ({@code prune}, {@code quantize}...)
 * @param config    settings as {@code key=value} pairs separated by commas, or empty
 */
public record Step(String technique, String config) {

    /** Checks the name: lower-case letters, digits, dots, dashes, underscores. */
    public Step {
        Objects.requireNonNull(technique, "technique");
        config = config == null ? "" : config.strip();
        if (!technique.matches("[a-z][a-z0-9._-]*")) {
            throw new IllegalArgumentException("step '" + technique + (config.isEmpty() ? "" : ":" + config)
                    + "': technique name must match [a-z][a-z0-9._-]*");
        }
    }

    /**
     * Parses {@code technique[:config]}.
     *
     * @throws IllegalArgumentException naming the text when the technique name is missing or malformed
     */
    public static Step parse(String text) {
        String t = text.strip();
        int colon = t.indexOf(':');
        return colon < 0 ? new Step(t, "") : new Step(t.substring(0, colon).strip(), t.substring(colon + 1));
    }

    /** The pipeline text of this step: {@code technique} or {@code technique:config}. */
    public String text() {
        return config.isEmpty() ? technique : technique + ":" + config;
    }

    @Override
    public String toString() {
        return text();
    }
}
