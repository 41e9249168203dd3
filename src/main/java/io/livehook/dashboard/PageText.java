package io.livehook.dashboard;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the dashboard writes times (UTC) and durations. */
final class PageText {
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    private PageText() {}

    static String dateTime(Long ms) {
        return ms == null ? "—" : DATE_TIME.format(Instant.ofEpochMilli(ms));
    }

    static String millis(Long ms) {
        return ms == null ? "—" : MILLIS.format(Instant.ofEpochMilli(ms));
    }

    static String time(long ms) {
        return TIME.format(Instant.ofEpochMilli(ms));
    }

    /** "45s", "5m 03s", "2h 05m", "3d 04h". */
    static String duration(Long ms) {
        if (ms == null) {
            return "—";
        }
        long s = Math.max(0, ms) / 1000;
        if (s < 60) {
            return s + "s";
        } else if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        } else if (s < 86400) {
            return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd %02dh", s / 86400, (s % 86400) / 3600);
    }

    /** "12s ago", "in 3s" for a clock ahead. */
    static String ago(long ms, long now) {
        long d = now - ms;
        return d >= 0 ? duration(d) + " ago" : "in " + duration(-d);
    }

    static String decimal(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** A value cut to {@code max} characters, marked when cut. */
    static String cut(String value, int max) {
        if (value == null || value.length() <= max) {
            return value;
        }
        int end = max;
        if (Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(0, end) + "…";
    }
}
