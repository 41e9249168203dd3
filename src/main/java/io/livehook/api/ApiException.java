package io.livehook.api;

import io.helidon.http.Status;

/**
 * What every API handler throws to answer with an error: the status and a message for the caller, written as
 * {@code {"error": message}} by {@link ApiErrors}. The message never holds a token or secret.
 */
public final class ApiException extends RuntimeException {
    private final Status status;

    public ApiException(Status status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(Status.BAD_REQUEST_400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(Status.NOT_FOUND_404, message);
    }

    /** Nothing wrong with the request; trying again later may work. */
    public static ApiException unavailable(String message) {
        return new ApiException(Status.SERVICE_UNAVAILABLE_503, message);
    }

    public Status status() {
        return status;
    }
}
