package io.livehook.log;

import java.util.Arrays;

/**
 * A growing list of file offsets in primitive longs, appended by the log's writer and read from the end by
 * others: 8 bytes an entry, where a copy-on-write list of boxed offsets copied itself whole on every append.
 */
final class Offsets {
    private long[] values = new long[16];
    private int size;

    synchronized void add(long offset) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = offset;
    }

    synchronized int size() {
        return size;
    }

    /** Up to {@code limit} of the newest offsets below {@code until}, newest first, each with its number (from 1). */
    synchronized long[][] newestBelow(long until, int limit) {
        int last = size;
        while (last > 0 && values[last - 1] >= until) {
            last--;
        }
        int count = Math.min(limit, last);
        long[][] newest = new long[count][];
        for (int i = 0; i < count; i++) {
            newest[i] = new long[] {values[last - 1 - i], last - i};
        }
        return newest;
    }
}
