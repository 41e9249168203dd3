package io.livehook.process;

import java.util.Locale;

/** Each kind of inference livehook makes when the stream leaves a gap or arrives out of order. */
public enum AnomalyKind {
    /** An event for a room livehook never saw start: the room was created from it. */
    ROOM_INFERRED,
    /** room_started after the room had already finished: ignored. */
    ROOM_STARTED_AFTER_FINISH,
    /** participant_left for a session never seen joining (connection_aborted without a join is normal). */
    LEFT_WITHOUT_JOIN,
    /** participant_joined after the session had already ended: the session stays ended. */
    JOIN_AFTER_LEAVE,
    /** A participant event for a room already finished: the session is ended at the room's end. */
    EVENT_AFTER_ROOM_FINISHED,
    /** A track event from a participant never seen joining: a session was inferred. */
    TRACK_FROM_UNKNOWN_PARTICIPANT,
    /** track_unpublished for a track never seen published. */
    UNPUBLISH_WITHOUT_PUBLISH,
    /** track_published after the track (or its participant) had already ended: it stays ended. */
    PUBLISH_AFTER_END,
    /** A session still open when its room finished: ended by room_finished, its own leave missing. */
    SESSION_ENDED_BY_ROOM_FINISHED,
    /** A track still open when its participant left: ended with the participant, its unpublish missing. */
    TRACK_ENDED_BY_PARTICIPANT_LEFT,
    /** An event older than the state it would overwrite: not applied over newer state. */
    STALE_EVENT,
    /** Corrections from LiveKit's RoomService API. */
    RECONCILED,
    /** A session reconciliation ended that LiveKit listed again (same sid): reopened, its end was wrong. */
    RECONCILED_END_UNDONE,
    /** A room nobody was in, silent for longer than LiveKit keeps such a room: ended without its room_finished. */
    ROOM_END_INFERRED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
