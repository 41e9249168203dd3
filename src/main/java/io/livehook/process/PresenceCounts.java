package io.livehook.process;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is in each room now (distinct identities with an open session), as committed, for the rooms processing
 * touched lately. Counting a room's open sessions on every join cost as much as the room was large; a room is
 * counted once instead, then its count follows the batches that change its sessions. Processing is the only
 * writer of sessions and one room's events go to one lane, so no one else changes a count. Bounded: past
 * {@link #MAX_ROOMS} rooms it starts over, and rooms are counted again when next touched.
 */
final class PresenceCounts {
    static final int MAX_ROOMS = 1 << 16;

    private final Map<String, Integer> counts = new ConcurrentHashMap<>();

    /** The room's count, or null when it is not known here. */
    Integer get(String roomSid) {
        return counts.get(roomSid);
    }

    /** After a commit: the counts the batch arrived at, and the rooms whose sessions it changed without one. */
    void committed(Map<String, Integer> known, Set<String> unknown) {
        if (counts.size() + known.size() > MAX_ROOMS) {
            counts.clear();
        }
        counts.putAll(known);
        unknown.forEach(counts::remove);
    }
}
