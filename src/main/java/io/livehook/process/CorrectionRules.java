package io.livehook.process;

import io.livehook.state.Room;
import io.livehook.state.Session;
import java.sql.SQLException;
import livekit.LivekitModels.ParticipantInfo;

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

    private void reconciledJoin() throws SQLException {
        ParticipantInfo p = e.event().getParticipant();
        Room room = state.room(ctx.roomSid()).orElse(null);
        if (room == null || !room.active() || state.session(p.getSid()).isPresent()) {
            return;
        }
        state.saveSession(ctx.participants.newSession(room, p, ctx.participants.joinedMs(p), EventRules.RECONCILED));
        ctx.anomaly(AnomalyKind.RECONCILED, room, p.getSid(), p.getIdentity(),
                "LiveKit lists a participant never seen joining: opened without its participant_joined");
        ctx.updatePresence(room);
    }

    private void reconciledRoomEnd() throws SQLException {
        Room room = state.room(ctx.roomSid()).orElse(null);
        if (room == null || !room.active()
                || Math.max(room.lastEventMs(), state.lastEventMsOfRoom(room.sid())) > e.atMs()) {
            return;
        }
        ctx.anomaly(AnomalyKind.RECONCILED, room, null, null,
                "LiveKit no longer lists the room: finished without its room_finished");
        ctx.rooms.finishRoom(room, EventRules.RECONCILED);
    }
}
