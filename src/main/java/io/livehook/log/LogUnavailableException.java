package io.livehook.log;

/** The log cannot take a write right now (disk full, I/O error, shutting down). Retrying later may work. */
public final class LogUnavailableException extends Exception {
    public LogUnavailableException(String message) {
        super(message);
    }

    public LogUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
