package io.tinyfleet.server.api;

import io.micronaut.http.HttpStatus;

/** Thrown by API code to answer with an {@link ApiError}. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String code;

    /**
     * @param status  HTTP status
     * @param code    stable error code
     * @param message human-readable message
     */
    public ApiException(HttpStatus status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** HTTP status. */
    public HttpStatus status() {
        return status;
    }

    /** The body. */
    public ApiError error() {
        return new ApiError(code, getMessage());
    }
}
