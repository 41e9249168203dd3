package io.livehook.log;

/**
 * Which event ids a log has taken recently, and at which position (a number the log makes of its own
 * place, never 0): what turns LiveKit's retries into duplicates. LiveKit retries an event for seconds, a
 * minute at most, so ids are kept in two generations that rotate, rather than for ever in memory: a
 * generation ends after 12 hours, or sooner once it holds {@link #MAX_PER_GENERATION} ids, so that memory
 * has a ceiling whatever the rate (64 MB at most; at 5,000 events/s the window is then 3 to 7 minutes). Ids
 * are held as 64-bit hashes in open-addressed arrays (16 to 32 bytes an id); a hit is only a candidate,
 * which the caller confirms against the stored event.
 */
final class RecentIds {
    static final long GENERATION_MS = 12L * 60 * 60 * 1000;
    static final int MAX_PER_GENERATION = 1 << 20;

    private final int maxPerGeneration;
    private Generation current = new Generation();
    private Generation previous = new Generation();
    private long currentSinceMs;

    RecentIds(long nowMs) {
        this(nowMs, MAX_PER_GENERATION);
    }

    RecentIds(long nowMs, int maxPerGeneration) {
        this.currentSinceMs = nowMs;
        this.maxPerGeneration = maxPerGeneration;
    }

    /** The position of an earlier event whose id hashes like {@code eventId}, or 0. */
    long candidate(String eventId) {
        long hash = hash(eventId);
        long position = current.get(hash);
        return position != 0 ? position : previous.get(hash);
    }

    void add(String eventId, long position, long nowMs) {
        if (nowMs - currentSinceMs >= GENERATION_MS || current.size >= maxPerGeneration) {
            previous = current;
            current = new Generation();
            currentSinceMs = nowMs;
        }
        current.put(hash(eventId), position);
    }

    /** FNV-1a over the UTF-16 units, then a 64-bit finaliser so that similar ids spread over the table. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h; // 0 marks an empty slot
    }

    /** Hash to position, open addressing with linear probing; a later put of the same hash keeps the first. */
    private static final class Generation {
        long[] keys = new long[1024];
        long[] values = new long[1024];
        int size;

        long get(long hash) {
            int mask = keys.length - 1;
            for (int i = (int) hash & mask; keys[i] != 0; i = (i + 1) & mask) {
                if (keys[i] == hash) {
                    return values[i];
                }
            }
            return 0;
        }

        void put(long hash, long position) {
            // Grown at half full: a generation of MAX_PER_GENERATION ids ends in a table of twice as many slots.
            if (size * 2 >= keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = (int) hash & mask;
            while (keys[i] != 0) {
                if (keys[i] == hash) {
                    return;
                }
                i = (i + 1) & mask;
            }
            keys[i] = hash;
            values[i] = position;
            size++;
        }

        private void grow() {
            long[] oldKeys = keys;
            long[] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new long[oldKeys.length * 2];
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }
    }
}
