package io.livehook.process;

import io.livehook.state.Room;
import io.livehook.state.Session;
import java.sql.SQLException;
import java.util.Optional;

/**
 * How room_started and room_finished change a room. A finish is never undone by a late start; a room finished
 * ends its open sessions (and their tracks), each such end an anomaly.
 */
final class RoomRules {
    private final RuleContext ctx;
    private final BatchState state;
    private final LiveKitEvent e;

    RoomRules(RuleContext ctx) {
        this.ctx = ctx;
        this.state = ctx.state;
        this.e = ctx.e;
    }

    void roomStarted() throws SQLException {
        var info = e.event().getRoom();
        long startedMs = ctx.roomCreationMs(info);
        Optional<Room> existing = state.room(ctx.roomSid());
        ctx.noteTimeouts(ctx.roomSid());
        if (existing.isEmpty()) {
            state.saveRoom(new Room(ctx.roomSid(), info.getName(), Room.ACTIVE, startedMs, "room_started", null, null,
                    info.getMetadata(), 0, e.atMs()));
            return;
        }
        Room room = existing.get();
        if (!room.active() && !"inferred".equals(room.startSource())) {
            ctx.anomaly(AnomalyKind.ROOM_STARTED_AFTER_FINISH, room, null, null, "room_started arrived after room_finished");
            return;
        }
        state.saveRoom(new Room(room.sid(), info.getName(), room.status(), startedMs, "room_started",
                room.finishedAtMs(), room.endSource(), info.getMetadata(), room.peakParticipants(),
                Math.max(room.lastEventMs(), e.atMs())));
    }

    void roomFinished() throws SQLException {
        var info = e.event().getRoom();
        Room room = state.room(ctx.roomSid()).orElse(null);
        if (room == null) {
            room = new Room(ctx.roomSid(), info.getName(), Room.ACTIVE, ctx.roomCreationMs(info), "inferred", null, null,
                    info.getMetadata(), 0, e.atMs());
            ctx.anomaly(AnomalyKind.ROOM_INFERRED, room, null, null, "room_finished for a room never seen starting");
        }
        if (!room.active()) {
            if (EventRules.RECONCILED.equals(room.endSource()) || EventRules.INFERRED.equals(room.endSource())) {
                // Reconciliation knew only that the room was gone by the time it asked, and an inference only
                // when LiveKit would have closed it; this is when it ended.
                long finishedMs = RuleContext.notBefore(e.atMs(), room.startedAtMs());
                state.saveRoom(new Room(room.sid(), room.name(), room.status(), room.startedAtMs(), room.startSource(),
                        finishedMs, "room_finished", room.metadata(), room.peakParticipants(),
                        Math.max(room.lastEventMs(), e.atMs())));
            }
            return;
        }
        finishRoom(room, "room_finished");
    }

    void finishRoom(Room room, String endSource) throws SQLException {
        long finishedMs = RuleContext.notBefore(e.atMs(), room.startedAtMs());
        state.saveRoom(new Room(room.sid(), room.name(), Room.FINISHED, room.startedAtMs(), room.startSource(),
                finishedMs, endSource, room.metadata(), room.peakParticipants(), finishedMs));
        for (Session session : state.openSessions(room.sid())) {
            ctx.participants.endSession(session, finishedMs, "room_finished", null, null);
            ctx.anomaly(AnomalyKind.SESSION_ENDED_BY_ROOM_FINISHED, room, session.sid(), session.identity(),
                    "no participant_left before room_finished");
        }
    }
}
