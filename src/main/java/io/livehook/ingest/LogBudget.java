package io.livehook.ingest;

import java.time.Clock;
import java.time.Duration;

/**
 * At most {@code perWindow} log lines per window, so that a flood of bad requests (a scanner, a sender with
 * the wrong key) cannot flood the logs; the metrics still count every one. The first line of a new window
 * learns how many were left out of the last.
 */
final class LogBudget {
    private final int perWindow;
    private final long windowMs;
    private final Clock clock;
    private long windowStartMs = Long.MIN_VALUE;
    private int usedInWindow;
    private long suppressed;

    LogBudget(int perWindow, Duration window, Clock clock) {
        this.perWindow = perWindow;
        this.windowMs = window.toMillis();
        this.clock = clock;
    }

    /**
     * -1 when this line must not be logged; otherwise how many lines were left out since the last one that
     * was logged (0 usually).
     */
    synchronized long take() {
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
}
