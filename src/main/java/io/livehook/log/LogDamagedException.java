package io.livehook.log;

/**
 * The event log is damaged where events answered 200 were, so it is not opened: the message names the file,
 * the byte and the commands that inspect and salvage it.
 */
public final class LogDamagedException extends IllegalStateException {
    public LogDamagedException(String message) {
        super(message);
    }
}
