package io.livehook.client;

/**
 * Why a call to livehook's API got no answer to use, in words for the user. The message never holds the token.
 */
public abstract sealed class LivehookApiException extends Exception {

    private LivehookApiException(String message) {
        super(message, null, false, false);
    }

    /** Nothing answered at the address, or not in time. */
    public static final class Unreachable extends LivehookApiException {
        public Unreachable(String message) {
            super(message);
        }
    }

    /** livehook refused the token, or none was given; the message says which and what to set. */
    public static final class Unauthorized extends LivehookApiException {
        public Unauthorized(String message) {
            super(message);
        }
    }

    /** livehook answered with an error status and said why. */
    public static final class HttpError extends LivehookApiException {
        private final int status;

        public HttpError(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** Something answered, but not the way livehook's API does: another service at that address. */
    public static final class NotLivehook extends LivehookApiException {
        public NotLivehook(String message) {
            super(message);
        }
    }
}
