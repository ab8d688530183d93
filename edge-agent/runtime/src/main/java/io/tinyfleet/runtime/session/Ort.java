package io.tinyfleet.runtime.session;

import ai.onnxruntime.OrtEnvironment;

/**
 * The one {@link OrtEnvironment} of the process. ONNX Runtime allows a single environment per
 * process; every session in TinyFleet (evaluation, training, the agent) is created from this one.
 */
public final class Ort {

    private Ort() {
    }

    /** The process-wide environment, created on first use and never closed. */
    public static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }
}
