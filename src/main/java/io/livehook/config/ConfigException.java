package io.livehook.config;

/** A configuration that livehook cannot run with; the message says what to set. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
