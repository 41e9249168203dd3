package io.livehook.process;

import io.livehook.livekit.ResourceIds;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.Track;
import java.sql.SQLException;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;

/**
 * Reconciliation's corrections ({@link io.livehook.log.Origin#LIVEHOOK}), made from LiveKit's RoomService
 * answers: each applies only if the state is still as it was when the correction was decided. A correction's
 * time is when LiveKit's list proved it; an event of the session or room stamped later means the list was
 * already stale when the correction applied, so the correction is dropped.
 */
final class CorrectionRules {
    private final RuleContext ctx;
    private final BatchState state;
    private final LiveKitEvent e;

    CorrectionRules(RuleContext ctx) {
        this.ctx = ctx;
        this.state = ctx.state;
        this.e = ctx.e;
    }

    /**
     * A correction's time is when LiveKit's list proved it; an event of the session or room stamped later
     * means the list was already stale when the correction applied, so the correction is dropped.
     */
    void correction() throws SQLException {
        switch (e.type()) {
            case "participant_left" -> reconciledLeave();
            case "participant_joined" -> reconciledJoin();
            case "track_published" -> reconciledPublish();
            case "track_unpublished" -> reconciledUnpublish();
            case "room_finished" -> reconciledRoomEnd();
            default -> { } // livehook writes no other kind
        }
    }

    private void reconciledLeave() throws SQLException {
        Session s = state.session(e.event().getParticipant().getSid()).orElse(null);
        if (s == null || !s.open() || Math.max(s.lastEventMs(), state.lastEventMsOfParticipant(s))
                > e.atMs()) {
            return;
        }
        Room room = state.room(s.roomSid()).orElse(null);
        ctx.participants.endSession(s, e.atMs(), EventRules.RECONCILED, null, null);
        ctx.anomaly(AnomalyKind.RECONCILED, room, s.sid(), s.identity(),
                "LiveKit no longer lists the participant: ended without its participant_left");
        if (room != null) {
            ctx.updatePresence(room);
        }
    }

    /** Opens a session LiveKit lists that livehook never heard of, or reopens one reconciliation ended. */
    private void reconciledJoin() throws SQLException {
        ParticipantInfo p = e.event().getParticipant();
        Room room = state.room(ctx.roomSid()).orElse(null);
        if (room == null || !room.active()) {
            return;
        }
        Session existing = state.session(p.getSid()).orElse(null);
        Session session;
        if (existing == null) {
            session = ctx.participants.newSession(room, p, ctx.participants.joinedMs(p), EventRules.RECONCILED);
            ctx.anomaly(AnomalyKind.RECONCILED, room, p.getSid(), p.getIdentity(),
                    "LiveKit lists a participant never seen joining: opened without its participant_joined");
        } else if (!existing.open() && EventRules.RECONCILED.equals(existing.endSource())
                && existing.leftAtMs() != null && existing.leftAtMs() <= e.atMs()) {
            session = new Session(existing.sid(), existing.roomSid(), existing.roomName(), existing.identity(),
                    existing.name(), existing.kind(), existing.metadata(), existing.joinedAtMs(),
                    existing.startSource(), null, null, p.getState().name(), null,
                    Math.max(existing.lastEventMs(), e.atMs()));
            ctx.anomaly(AnomalyKind.RECONCILED_END_UNDONE, room, p.getSid(), p.getIdentity(),
                    "LiveKit lists again a participant reconciliation had ended: the session is open again");
        } else {
            return;
        }
        state.saveSession(session);
        for (TrackInfo t : p.getTracksList()) {
            Track track = state.track(t.getSid()).orElse(null);
            if (track == null) {
                state.saveTrack(reconciledTrack(room, session, t));
            } else if (!track.open() && EventRules.RECONCILED.equals(track.endSource())) {
                state.saveTrack(TrackRules.endedTrack(track, null, null));
            }
        }
        ctx.updatePresence(room);
    }

    private void reconciledPublish() throws SQLException {
        TrackInfo t = e.event().getTrack();
        Session s = state.session(e.event().getParticipant().getSid()).orElse(null);
        Room room = state.room(ctx.roomSid()).orElse(null);
        if (room == null || s == null || !s.open() || state.track(t.getSid()).isPresent()) {
            return;
        }
        state.saveTrack(reconciledTrack(room, s, t));
        ctx.anomaly(AnomalyKind.RECONCILED, room, s.sid(), s.identity(),
                "LiveKit lists track " + t.getSid() + " never seen published: published without its track_published");
    }

    private void reconciledUnpublish() throws SQLException {
        Track track = state.track(e.event().getTrack().getSid()).orElse(null);
        Session s = state.session(e.event().getParticipant().getSid()).orElse(null);
        if (track == null || !track.open() || s == null
                || Math.max(s.lastEventMs(), state.lastEventMsOfParticipant(s)) > e.atMs()) {
            return;
        }
        state.saveTrack(TrackRules.endedTrack(track, RuleContext.notBefore(e.atMs(), track.publishedAtMs()),
                EventRules.RECONCILED));
        ctx.anomaly(AnomalyKind.RECONCILED, state.room(track.roomSid()).orElse(null), s.sid(), s.identity(),
                "LiveKit no longer lists track " + track.sid() + ": unpublished without its track_unpublished");
    }

    /** LiveKit's list does not say when a track was published: the list that showed it is the time known. */
    private Track reconciledTrack(Room room, Session s, TrackInfo t) {
        return new Track(t.getSid(), s.sid(), room.sid(), t.getType().name(), t.getSource().name(), t.getMimeType(),
                t.getName(), e.atMs(), EventRules.RECONCILED, null, null);
    }

    private void reconciledRoomEnd() throws SQLException {
        if (e.id().startsWith(ResourceIds.INFERRED_EVENT)) {
            inferredRoomEnd();
            return;
        }
        Room room = state.room(ctx.roomSid()).orElse(null);
        if (room == null || !room.active()
                || Math.max(room.lastEventMs(), state.lastEventMsOfRoom(room.sid())) > e.atMs()) {
            return;
        }
        ctx.anomaly(AnomalyKind.RECONCILED, room, null, null,
                "LiveKit no longer lists the room: finished without its room_finished");
        ctx.rooms.finishRoom(room, EventRules.RECONCILED);
    }

    /**
     * The room was found silent and empty for its timeout (which the event's room carries) up to the event's
     * time: it applies only if that still holds, nobody in the room and nothing heard of it since.
     */
    private void inferredRoomEnd() throws SQLException {
        Room room = state.room(ctx.roomSid()).orElse(null);
        var info = e.event().getRoom();
        long silentSinceMs = e.atMs() - 1000L * Math.max(info.getEmptyTimeout(), info.getDepartureTimeout());
        if (room == null || !room.active() || !state.openSessions(room.sid()).isEmpty()
                || Math.max(room.lastEventMs(), state.lastEventMsOfRoom(room.sid())) > silentSinceMs) {
            return;
        }
        ctx.anomaly(AnomalyKind.ROOM_END_INFERRED, room, null, null, "nobody in the room and nothing heard of it for "
                + (e.atMs() - silentSinceMs) / 1000 + " s, longer than LiveKit keeps it: finished without its room_finished");
        ctx.rooms.finishRoom(room, EventRules.INFERRED);
    }
}
