package io.livehook.process;

import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.Track;
import java.sql.SQLException;
import java.util.Optional;
import livekit.LivekitModels.ParticipantInfo;

/**
 * How participant_joined, participant_left and participant_connection_aborted change sessions, and the room's
 * presence figures. A session is one participant connection (sid); presence counts identities. An end known
 * from the session's own event beats one inferred from its room's finish or from reconciliation.
 */
final class ParticipantRules {
    private final RuleContext ctx;
    private final BatchState state;
    private final LiveKitEvent e;

    ParticipantRules(RuleContext ctx) {
        this.ctx = ctx;
        this.state = ctx.state;
        this.e = ctx.e;
    }

    void participantJoined() throws SQLException {
        Room room = ctx.ensureRoom();
        ParticipantInfo p = e.event().getParticipant();
        Optional<Session> existing = state.session(p.getSid());
        long joinedMs = joinedMs(p);
        if (existing.isEmpty()) {
            Session session = newSession(room, p, joinedMs, "participant_joined");
            if (!room.active()) {
                session = ended(session, RuleContext.notBefore(room.finishedAtMs(), session.joinedAtMs()), "room_finished", null,
                        null);
                ctx.anomaly(AnomalyKind.EVENT_AFTER_ROOM_FINISHED, room, p.getSid(), p.getIdentity(),
                        "participant_joined after room_finished");
            }
            state.saveSession(session);
            ctx.updatePresence(room);
            return;
        }
        Session s = existing.get();
        if (!s.open()) {
            ctx.anomaly(AnomalyKind.JOIN_AFTER_LEAVE, room, s.sid(), s.identity(),
                    "participant_joined after the session ended (" + s.endSource() + "); it stays ended");
        }
        // Name and metadata come from the newest full participant info; a track event's partial one has neither.
        boolean newer = e.atMs() >= s.lastEventMs() || !hasParticipantInfo(s);
        // An open session is in the state its join says (an inferred one had none); an ended one keeps its end's.
        String finalState = s.open() && (newer || s.finalState() == null) ? stateName(p) : s.finalState();
        state.saveSession(new Session(s.sid(), s.roomSid(), s.roomName(), p.getIdentity(),
                newer ? p.getName() : s.name(), p.getKind().name(), newer ? p.getMetadata() : s.metadata(),
                joinedMs, "participant_joined", s.leftAtMs(), s.endSource(), finalState, s.disconnectReason(),
                Math.max(s.lastEventMs(), e.atMs())));
        ctx.updatePresence(room);
    }

    void participantEnded(String endSource) throws SQLException {
        Room room = ctx.ensureRoom();
        ParticipantInfo p = e.event().getParticipant();
        long leftMs = e.atMs();
        Session s = state.session(p.getSid()).orElse(null);
        if (s == null) {
            // connection_aborted is sent instead of participant_left for a participant that never finished
            // connecting, and so never had a participant_joined: it is a whole session, not a gap.
            s = newSession(room, p, joinedMs(p), endSource);
            if (!"connection_aborted".equals(endSource)) {
                ctx.anomaly(AnomalyKind.LEFT_WITHOUT_JOIN, room, p.getSid(), p.getIdentity(),
                        e.type() + " for a session never seen joining");
            }
        } else if (endSource.equals(s.endSource()) || "participant_left".equals(s.endSource())
                || "connection_aborted".equals(s.endSource())) {
            return; // already ended by its own event; a second end changes nothing
        } else {
            s = withEndInfo(s, p, endSource);
        }
        // A session ended by inference (room_finished, reconciliation) gets its precise end from its own event.
        endSession(s, leftMs, endSource, stateName(p), p.getDisconnectReason().name());
        ctx.updatePresence(room);
    }

    /**
     * The session with what its participant_left (or connection_aborted) says about the participant: the
     * newest name and metadata, and for a session inferred from a track event, its kind and join time.
     */
    private Session withEndInfo(Session s, ParticipantInfo p, String endSource) {
        boolean newer = e.atMs() >= s.lastEventMs() || !hasParticipantInfo(s);
        boolean inferred = "inferred".equals(s.startSource()) && (p.getJoinedAtMs() > 0 || p.getJoinedAt() > 0);
        return new Session(s.sid(), s.roomSid(), s.roomName(), s.identity(),
                newer ? known(p.getName(), s.name()) : s.name(),
                inferred ? p.getKind().name() : s.kind(), newer ? known(p.getMetadata(), s.metadata()) : s.metadata(),
                inferred ? joinedMs(p) : s.joinedAtMs(), inferred ? endSource : s.startSource(), s.leftAtMs(),
                s.endSource(), s.finalState(), s.disconnectReason(), s.lastEventMs());
    }

    /**
     * LiveKit omits empty strings, so an absent name or metadata cannot be told from a cleared one; keeping
     * what is known beats erasing it on a guess.
     */
    private static String known(String fromEvent, String current) {
        return fromEvent.isEmpty() ? current : fromEvent;
    }

    /** Whether the session's name and metadata come from a full ParticipantInfo (a join or an end of its own). */
    private static boolean hasParticipantInfo(Session s) {
        return !"inferred".equals(s.startSource()) || "participant_left".equals(s.endSource())
                || "connection_aborted".equals(s.endSource());
    }

    Session newSession(Room room, ParticipantInfo p, long joinedMs, String startSource) {
        return new Session(p.getSid(), room.sid(), room.name(), p.getIdentity(), p.getName(), p.getKind().name(),
                p.getMetadata(), joinedMs, startSource, null, null, stateName(p), null, e.atMs());
    }

    void endSession(Session s, long endMs, String endSource, String finalState, String reason)
            throws SQLException {
        long leftMs = RuleContext.notBefore(endMs, s.joinedAtMs());
        state.saveSession(ended(s, leftMs, endSource, finalState, reason));
        for (Track track : state.openTracksOfParticipant(s.sid())) {
            state.saveTrack(TrackRules.endedTrack(track, leftMs, endSource));
            if (!"room_finished".equals(endSource)) {
                ctx.anomaly(AnomalyKind.TRACK_ENDED_BY_PARTICIPANT_LEFT, state.room(s.roomSid()).orElse(null), s.sid(),
                        s.identity(), "track " + track.sid() + " had no track_unpublished before " + endSource);
            }
        }
    }

    private Session ended(Session s, Long leftMs, String endSource, String finalState, String reason) {
        return new Session(s.sid(), s.roomSid(), s.roomName(), s.identity(), s.name(), s.kind(), s.metadata(),
                s.joinedAtMs(), s.startSource(), leftMs, endSource, finalState != null ? finalState : s.finalState(),
                reason != null ? reason : s.disconnectReason(), Math.max(s.lastEventMs(), e.atMs()));
    }

    long joinedMs(ParticipantInfo p) {
        if (p.getJoinedAtMs() > 0) {
            return p.getJoinedAtMs();
        }
        return p.getJoinedAt() > 0 ? p.getJoinedAt() * 1000 : e.atMs();
    }

    private static String stateName(ParticipantInfo p) {
        return p.getState().name();
    }

    /**
     * The session a track event belongs to; an unknown participant gets an inferred session (open, or
     * ended with its room if the room is over).
     */
    Session ensureSession(Room room) throws SQLException {
        ParticipantInfo p = e.event().getParticipant();
        Optional<Session> existing = state.session(p.getSid());
        if (existing.isPresent()) {
            return existing.get();
        }
        Session session = new Session(p.getSid(), room.sid(), room.name(), p.getIdentity(), p.getName(),
                p.getKind().name(), p.getMetadata(), e.atMs(), "inferred", null, null, null, null, e.atMs());
        if (!room.active()) {
            session = ended(session, RuleContext.notBefore(room.finishedAtMs(), session.joinedAtMs()), "room_finished", null,
                    null);
        }
        state.saveSession(session);
        ctx.anomaly(AnomalyKind.TRACK_FROM_UNKNOWN_PARTICIPANT, room, p.getSid(), p.getIdentity(),
                e.type() + " from a participant never seen joining");
        ctx.updatePresence(room);
        return session;
    }
}
