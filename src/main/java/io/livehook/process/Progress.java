package io.livehook.process;

import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Which offsets of one partition are dispatched but not yet applied. Lanes finish out of order; the
 * watermark is the highest offset below which everything is done, so a restart from it misses nothing
 * (and re-reads a little, which the event-id dedupe absorbs).
 */
final class Progress {
    private final ConcurrentSkipListMap<Long, Long> receivedAtByOffset = new ConcurrentSkipListMap<>();
    private volatile long dispatchedUpTo;

    Progress(long start) {
        this.dispatchedUpTo = start;
    }

    void dispatched(long offset, long receivedAtMs) {
        receivedAtByOffset.put(offset, receivedAtMs);
        dispatchedUpTo = Math.max(dispatchedUpTo, offset);
    }

    void done(long offset) {
        receivedAtByOffset.remove(offset);
    }

    long watermark() {
        long upTo = dispatchedUpTo;
        var first = receivedAtByOffset.firstEntry();
        return first == null ? upTo : Math.min(upTo, first.getKey() - 1);
    }

    /** When the oldest unapplied event was received, or -1 when nothing is waiting. */
    long oldestReceivedAtMs() {
        var first = receivedAtByOffset.firstEntry();
        return first == null ? -1 : first.getValue();
    }
}
