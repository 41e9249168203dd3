package io.livehook.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code LIVEHOOK_LOG_FORMAT} and {@code LIVEHOOK_LOG_LEVEL}, checked before the first log line: logback on
 * its own reads an unknown format as "no appender" (silence) and an unknown level as DEBUG.
 */
public record LogSettings(String format, String level) {
    public static final List<String> FORMATS = List.of("text", "json");
    public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    public static LogSettings fromEnv(Map<String, String> env) {
        return new LogSettings(
                checked(env, "LIVEHOOK_LOG_FORMAT", "text", FORMATS, value -> value.toLowerCase(Locale.ROOT)),
                checked(env, "LIVEHOOK_LOG_LEVEL", "INFO", LEVELS, value -> value.toUpperCase(Locale.ROOT)));
    }

    /** Hands the checked values to logback.xml, which reads them as {@code livehook.log.format} and {@code .level}. */
    public void applyToLogback() {
        System.setProperty("livehook.log.format", format);
        System.setProperty("livehook.log.level", level);
    }

    private static String checked(Map<String, String> env, String name, String fallback, List<String> allowed,
            java.util.function.UnaryOperator<String> normalize) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        String value = normalize.apply(raw.strip());
        if (!allowed.contains(value)) {
            throw new ConfigException(name + " must be one of " + String.join(", ", allowed) + " (default " + fallback
                    + "), got \"" + raw + "\"");
        }
        return value;
    }
}
