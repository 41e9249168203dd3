package io.livehook.reconcile;

/**
 * At most {@code perSecond} permits a second, evenly spaced: a pass over many rooms never bursts a LiveKit
 * server (or a Cloud project's API quota) with one ListParticipants per room at once.
 */
final class RateLimiter {
    private final long intervalNanos;
    private long nextFreeNanos;

    RateLimiter(double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, not " + perSecond);
        }
        this.intervalNanos = Math.round(1e9 / perSecond);
        this.nextFreeNanos = System.nanoTime();
    }

    /** Waits for the next permit. */
    void acquire() throws InterruptedException {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long at = Math.max(now, nextFreeNanos);
            nextFreeNanos = at + intervalNanos;
            wait = at - now;
        }
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
