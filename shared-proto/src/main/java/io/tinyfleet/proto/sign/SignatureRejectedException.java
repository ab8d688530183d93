package io.tinyfleet.proto.sign;

/**
 * A manifest or artifact was refused. {@link #code()} is a stable machine-readable reason
 * (reported to the controller as the deployment's code); the message is one human line.
 */
public final class SignatureRejectedException extends Exception {

    /** Stable reason codes. Sent and stored: never rename. */
    public static final String SIGNATURE_INVALID = "signature_invalid";
    public static final String UNKNOWN_KEY = "unknown_key";
    public static final String MALFORMED_MANIFEST = "malformed_manifest";

    private final String code;

    public SignatureRejectedException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** The stable reason code. */
    public String code() {
        return code;
    }
}
