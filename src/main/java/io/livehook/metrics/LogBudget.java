package io.livehook.metrics;

import java.time.Clock;
import java.time.Duration;

/**
 * At most {@code perWindow} log lines per window, so that a flood of bad requests (a scanner, a sender with
 * the wrong key, a peer that drops its connections) or a failure that repeats on every request cannot flood
 * the logs; the metrics still count every one. The first line of a new window learns how many were left
 * out of the last.
 */
public final class LogBudget {
    private final int perWindow;
    private final long windowMs;
    private final Clock clock;
    private long windowStartMs = Long.MIN_VALUE;
    private int usedInWindow;
    private long suppressed;

    public LogBudget(int perWindow, Duration window, Clock clock) {
        this.perWindow = perWindow;
        this.windowMs = window.toMillis();
        this.clock = clock;
    }

    /**
     * -1 when this line must not be logged; otherwise how many lines were left out since the last one that
     * was logged (0 usually).
     */
    public synchronized long take() {
        long now = clock.millis();
        if (windowStartMs == Long.MIN_VALUE || now - windowStartMs >= windowMs) {
            windowStartMs = now;
            usedInWindow = 0;
        }
        if (usedInWindow >= perWindow) {
            suppressed++;
            return -1;
        }
        usedInWindow++;
        long left = suppressed;
        suppressed = 0;
        return left;
    }

    /** What a logged line adds about the lines left out before it: nothing, or how many. */
    public static String leftOut(long left) {
        return left <= 0 ? "" : " (" + left + " similar lines were not logged)";
    }
}
