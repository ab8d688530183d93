package io.tinyfleet.server.deploy;

/** Stable error codes of the OTA REST API (scripts match them; never rename). */
public final class OtaErrors {
    /** No model with that id or name. */
    public static final String MODEL_NOT_FOUND = "MODEL_NOT_FOUND";
    /** The upload is not a usable ONNX model (or is too large). */
    public static final String INVALID_MODEL = "INVALID_MODEL";
    /** No deployment/rollout with that id. */
    public static final String DEPLOYMENT_NOT_FOUND = "DEPLOYMENT_NOT_FOUND";
    /** The rollout is not in a state that allows the action. */
    public static final String ROLLOUT_STATE = "ROLLOUT_STATE";
    /** Bad deployment parameters (targets, waves, thresholds). */
    public static final String INVALID_DEPLOYMENT = "INVALID_DEPLOYMENT";

    private OtaErrors() {
    }
}
