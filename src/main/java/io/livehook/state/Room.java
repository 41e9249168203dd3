package io.livehook.state;

/** A room as livehook knows it, keyed by LiveKit's room sid; a name may be reused by later rooms. */
public record Room(
        String sid,
        String name,
        String status,
        Long startedAtMs,
        String startSource,
        Long finishedAtMs,
        String endSource,
        String metadata,
        int peakParticipants,
        long lastEventMs) {

    public static final String ACTIVE = "active";
    public static final String FINISHED = "finished";

    public boolean active() {
        return ACTIVE.equals(status);
    }
}
