package io.livehook.log;

import java.util.Arrays;

/**
 * Where records lie in the file, kept in memory: built by recovery, extended by the writer after each sync,
 * read by readers without locks. The writer fills offsets in before it moves the log's end and head; a
 * reader reads the head first.
 *
 * <p>Positions increase but need not be dense (a commit lost to a crash leaves its positions unused): each
 * stride slot holds the offset of the first event at or after the slot's first position.
 */
final class LogIndex {
    /** Every STRIDE-th position's file offset is kept; a read starts there and scans forward. */
    static final int STRIDE = 64;
    /**
     * The newest RECENT positions' offsets are all kept: processing reads just behind the head, many times a
     * second, and must not scan a stride each time.
     */
    static final int RECENT = 1 << 16;

    private volatile long[] strideOffsets = new long[1024];
    private int filledSlots;
    private final long[] recentOffsets = new long[RECENT];
    private final DuplicateCounts duplicateCounts = new DuplicateCounts();
    private final Offsets quarantineOffsets = new Offsets();

    void event(long position, long offset) {
        recentOffsets[(int) (position & (RECENT - 1))] = offset;
        int slot = (int) ((position - 1) / STRIDE);
        while (filledSlots <= slot) {
            if (filledSlots == strideOffsets.length) {
                strideOffsets = Arrays.copyOf(strideOffsets, filledSlots * 2);
            }
            strideOffsets[filledSlots++] = offset;
        }
    }

    void duplicate(long position) {
        duplicateCounts.add(position);
    }

    void quarantine(long offset) {
        quarantineOffsets.add(offset);
    }

    long duplicates(long position) {
        return duplicateCounts.of(position);
    }

    /** Where a scan for {@code first} (at most {@code newest}) starts: at or before its event. */
    long strideStart(long first) {
        return strideOffsets[(int) ((first - 1) / STRIDE)];
    }

    /** The offset last indexed for a position with {@code position}'s slot: a candidate the caller checks. */
    long recentCandidate(long position) {
        return recentOffsets[(int) (position & (RECENT - 1))];
    }

    /**
     * Up to {@code limit} of the newest quarantined bodies' offsets before {@code until}, newest first, each with
     * its number (from 1).
     */
    long[][] quarantinedBefore(long until, int limit) {
        return quarantineOffsets.newestBelow(until, limit);
    }
}
