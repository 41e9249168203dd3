package io.livehook.state;

/** The state store could not be read or written; the operation may work later. */
public final class StateUnavailableException extends IllegalStateException {
    public StateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
