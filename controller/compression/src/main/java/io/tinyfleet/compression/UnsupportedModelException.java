package io.tinyfleet.compression;

import java.util.List;

/**
 * A technique refused a model before doing any work; the message names every offending node.
 */
public final class UnsupportedModelException extends IllegalArgumentException {

    private final List<String> offending;

    /** {@code offending}: one entry per node, each naming the node and why. */
    public UnsupportedModelException(String technique, String model, List<String> offending) {
        super(technique + " cannot compress " + model + ": " + String.join("; ", offending));
        this.offending = List.copyOf(offending);
    }

    /** The offending nodes with reasons. */
    public List<String> offending() {
        return offending;
    }
}
