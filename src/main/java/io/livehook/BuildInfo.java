package io.livehook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build of livehook is: its version, the git commit it was built from (with "-dirty" for
 * uncommitted changes) and when, as Maven wrote them into {@code io/livehook/build.properties}. A value
 * Maven could not fill in (a build outside a git checkout has no commit) reads as "unknown".
 */
public record BuildInfo(String version, String commit, String time) {
    private static final String UNKNOWN = "unknown";
    private static final BuildInfo CURRENT = load();

    public static BuildInfo current() {
        return CURRENT;
    }

    /** {@code livehook 0.2.0 (commit 1a2b3c4, built 2026-01-31T12:00:00Z)}. */
    public String describe() {
        return "livehook " + version + " (commit " + commit + ", built " + time + ")";
    }

    private static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read io/livehook/build.properties", e);
        }
        return new BuildInfo(value(properties, "version"), value(properties, "commit"), value(properties, "time"));
    }

    private static String value(Properties properties, String key) {
        String value = properties.getProperty(key, "").strip();
        return value.isEmpty() || value.startsWith("${") ? UNKNOWN : value;
    }
}
