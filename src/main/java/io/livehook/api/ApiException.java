package io.livehook.api;

import io.helidon.http.Status;

/** A request the API answers with an error status and a message for the caller. */
final class ApiException extends RuntimeException {
    private final Status status;

    private ApiException(Status status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(Status.BAD_REQUEST_400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(Status.NOT_FOUND_404, message);
    }

    Status status() {
        return status;
    }
}
