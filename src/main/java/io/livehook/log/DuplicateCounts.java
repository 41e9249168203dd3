package io.livehook.log;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many times an event came again, kept for the {@code capacity} events most recently found duplicated. A
 * duplicate is only ever found for an event still in the dedupe window, so a count that fell out would rarely
 * change again; the bound keeps a flood of retries from growing memory without end. A count is for display
 * (the API's and dashboard's {@code duplicates}): one that fell out reads 0.
 */
final class DuplicateCounts {
    static final int CAPACITY = 1 << 16;

    private final Map<Long, Long> counts;

    DuplicateCounts() {
        this(CAPACITY);
    }

    DuplicateCounts(int capacity) {
        this.counts = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    /** {@code place} names one event: its position in a file log, its partition and offset in Kafka. */
    synchronized void add(long place) {
        counts.merge(place, 1L, Long::sum);
    }

    synchronized long of(long place) {
        Long count = counts.get(place);
        return count == null ? 0 : count;
    }
}
