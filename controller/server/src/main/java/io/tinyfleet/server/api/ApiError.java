package io.tinyfleet.server.api;

import io.micronaut.serde.annotation.Serdeable;

/**
 * A REST error body. {@code code} is stable (scripts match it); {@code message} is for people.
 *
 * @param code    e.g. {@link #DEVICE_NOT_FOUND}
 * @param message what went wrong, naming the thing
 */
@Serdeable
public record ApiError(String code, String message) {
    /** No device with that id. */
    public static final String DEVICE_NOT_FOUND = "DEVICE_NOT_FOUND";
    /** No such endpoint. */
    public static final String NOT_FOUND = "NOT_FOUND";
    /** The method is not allowed on that endpoint. */
    public static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    /** A malformed request. */
    public static final String BAD_REQUEST = "BAD_REQUEST";
    /** A bug or an unavailable dependency (database). */
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";
}
