package io.livehook.state;

/**
 * One change of presence, as the app can follow it: a session opened or ended, a track published or
 * unpublished, a room started or finished. {@code source} says how livehook knows it (the session's start or end
 * source: {@code participant_joined}, {@code reconciled}, {@code room_finished}, ...); {@code eventId} is the
 * event that caused it; {@code id} orders all changes (0 until recorded).
 */
public record StateChange(long id, String kind, String roomSid, String roomName, String participantSid,
        String identity, String trackSid, String source, String eventId, long atMs) {

    public static final String SESSION_OPENED = "session_opened";
    public static final String SESSION_ENDED = "session_ended";
    public static final String TRACK_PUBLISHED = "track_published";
    public static final String TRACK_UNPUBLISHED = "track_unpublished";
    public static final String ROOM_STARTED = "room_started";
    public static final String ROOM_FINISHED = "room_finished";
}
