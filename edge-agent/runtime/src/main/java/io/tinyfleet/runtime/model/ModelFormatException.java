package io.tinyfleet.runtime.model;

/**
 * A file or graph that TinyFleet cannot use as an ONNX model: not ONNX, truncated, missing
 * external data, a custom domain ONNX Runtime cannot run. The message names the file and the
 * problem in one line, fit to print to a user as it is.
 */
public class ModelFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
