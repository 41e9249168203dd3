package io.livehook.process;

import io.livehook.log.Origin;
import io.livehook.state.Anomaly;
import io.livehook.state.Egress;
import io.livehook.state.Ingress;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.Track;
import com.google.protobuf.util.JsonFormat;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import livekit.LivekitEgress.EgressInfo;
import livekit.LivekitEgress.EgressStatus;
import livekit.LivekitIngress.IngressInfo;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;

/**
 * How one event changes the state. The stream duplicates, reorders and drops, so every rule accepts
 * any order: an end is never undone by a late start, facts from an event's own kind beat inferences,
 * and each inference is written down as an anomaly. Rules use only event times, never the wall clock,
 * so replaying the log gives the same state.
 *
 * <p>Events livehook wrote itself ({@link Origin#LIVEHOOK}: reconciliation's corrections, made from
 * LiveKit's RoomService answers) only fill gaps: each applies only if the state is still as it was
 * when the correction was decided, is marked {@value #RECONCILED}, and gives way to LiveKit's own
 * event for the same fact whenever that arrives.
 */
final class EventRules {

    private static final Set<EgressStatus> EGRESS_TERMINAL = Set.of(EgressStatus.EGRESS_COMPLETE,
            EgressStatus.EGRESS_FAILED, EgressStatus.EGRESS_ABORTED, EgressStatus.EGRESS_LIMIT_REACHED);
    static final String RECONCILED = "reconciled";
    private static final JsonFormat.Printer RESULTS = JsonFormat.printer().omittingInsignificantWhitespace();

    private final BatchState tx;
    private final LiveKitEvent e;
    private final List<Anomaly> anomalies = new ArrayList<>();

    private EventRules(BatchState tx, LiveKitEvent e) {
        this.tx = tx;
        this.e = e;
    }

    /** Applies the event; returns the anomalies it recorded. */
    static List<Anomaly> apply(BatchState state, LiveKitEvent event) throws SQLException {
        state.applying(event);
        EventRules rules = new EventRules(state, event);
        rules.apply();
        return rules.anomalies;
    }

    private void apply() throws SQLException {
        if (e.logged().origin() == Origin.LIVEHOOK) {
            correction();
            return;
        }
        switch (e.type()) {
            case "room_started" -> roomStarted();
            case "room_finished" -> roomFinished();
            case "participant_joined" -> participantJoined();
            case "participant_left" -> participantEnded("participant_left");
            case "participant_connection_aborted" -> participantEnded("connection_aborted");
            case "track_published" -> trackPublished();
            case "track_unpublished" -> trackUnpublished();
            case "egress_started", "egress_updated", "egress_ended" -> egress();
            case "ingress_started", "ingress_ended" -> ingress();
            default -> { } // kept in the event archive and listed as unknown, nothing to change
        }
    }

    // -- rooms -------------------------------------------------------------------------------------

    private void roomStarted() throws SQLException {
        var info = e.event().getRoom();
        long startedMs = roomCreationMs(info);
        Optional<Room> existing = tx.room(roomSid());
        if (existing.isEmpty()) {
            tx.saveRoom(new Room(roomSid(), info.getName(), Room.ACTIVE, startedMs, "room_started", null, null,
                    info.getMetadata(), 0, e.atMs()));
            return;
        }
        Room room = existing.get();
        if (!room.active() && !"inferred".equals(room.startSource())) {
            anomaly(AnomalyKind.ROOM_STARTED_AFTER_FINISH, room, null, null, "room_started arrived after room_finished");
            return;
        }
        tx.saveRoom(new Room(room.sid(), info.getName(), room.status(), startedMs, "room_started",
                room.finishedAtMs(), room.endSource(), info.getMetadata(), room.peakParticipants(),
                Math.max(room.lastEventMs(), e.atMs())));
    }

    private void roomFinished() throws SQLException {
        var info = e.event().getRoom();
        Room room = tx.room(roomSid()).orElse(null);
        if (room == null) {
            room = new Room(roomSid(), info.getName(), Room.ACTIVE, roomCreationMs(info), "inferred", null, null,
                    info.getMetadata(), 0, e.atMs());
            anomaly(AnomalyKind.ROOM_INFERRED, room, null, null, "room_finished for a room never seen starting");
        }
        if (!room.active()) {
            if (RECONCILED.equals(room.endSource())) {
                // Reconciliation knew only that the room was gone by the time it asked; this is when it ended.
                long finishedMs = notBefore(e.atMs(), room.startedAtMs());
                tx.saveRoom(new Room(room.sid(), room.name(), room.status(), room.startedAtMs(), room.startSource(),
                        finishedMs, "room_finished", room.metadata(), room.peakParticipants(),
                        Math.max(room.lastEventMs(), e.atMs())));
            }
            return;
        }
        finishRoom(room, "room_finished");
    }

    private void finishRoom(Room room, String endSource) throws SQLException {
        long finishedMs = notBefore(e.atMs(), room.startedAtMs());
        tx.saveRoom(new Room(room.sid(), room.name(), Room.FINISHED, room.startedAtMs(), room.startSource(),
                finishedMs, endSource, room.metadata(), room.peakParticipants(), finishedMs));
        for (Session session : tx.openSessions(room.sid())) {
            endSession(session, finishedMs, "room_finished", null, null);
            anomaly(AnomalyKind.SESSION_ENDED_BY_ROOM_FINISHED, room, session.sid(), session.identity(),
                    "no participant_left before room_finished");
        }
    }

    private long roomCreationMs(livekit.LivekitModels.Room info) {
        if (info.getCreationTimeMs() > 0) {
            return info.getCreationTimeMs();
        }
        return info.getCreationTime() > 0 ? info.getCreationTime() * 1000 : e.atMs();
    }

    private String roomSid() throws SQLException {
        var info = e.event().getRoom();
        if (!info.getSid().isEmpty()) {
            return info.getSid();
        }
        // No sid (older servers, partial rooms): the newest room of that name, else a stable stand-in.
        return tx.latestRoomNamed(info.getName()).map(Room::sid).orElse("name:" + info.getName());
    }

    /** The event's room, created as inferred (and recorded as an anomaly) if it was never seen. */
    private Room ensureRoom() throws SQLException {
        String sid = roomSid();
        Optional<Room> existing = tx.room(sid);
        if (existing.isPresent()) {
            return existing.get();
        }
        var info = e.event().getRoom();
        Room room = new Room(sid, info.getName(), Room.ACTIVE, roomCreationMs(info), "inferred", null, null,
                info.getMetadata(), 0, e.atMs());
        tx.saveRoom(room);
        anomaly(AnomalyKind.ROOM_INFERRED, room, null, null, e.type() + " for a room never seen starting");
        return room;
    }

    private void updatePresence(Room room) throws SQLException {
        int present = tx.presentIdentities(room.sid());
        Room current = tx.room(room.sid()).orElse(room);
        if (present > current.peakParticipants() || e.atMs() > current.lastEventMs()) {
            tx.saveRoom(new Room(current.sid(), current.name(), current.status(), current.startedAtMs(),
                    current.startSource(), current.finishedAtMs(), current.endSource(), current.metadata(),
                    Math.max(present, current.peakParticipants()), Math.max(e.atMs(), current.lastEventMs())));
        }
    }

    // -- participants ------------------------------------------------------------------------------

    private void participantJoined() throws SQLException {
        Room room = ensureRoom();
        ParticipantInfo p = e.event().getParticipant();
        Optional<Session> existing = tx.session(p.getSid());
        long joinedMs = joinedMs(p);
        if (existing.isEmpty()) {
            Session session = newSession(room, p, joinedMs, "participant_joined");
            if (!room.active()) {
                session = ended(session, notBefore(room.finishedAtMs(), session.joinedAtMs()), "room_finished", null,
                        null);
                anomaly(AnomalyKind.EVENT_AFTER_ROOM_FINISHED, room, p.getSid(), p.getIdentity(),
                        "participant_joined after room_finished");
            }
            tx.saveSession(session);
            updatePresence(room);
            return;
        }
        Session s = existing.get();
        if (!s.open()) {
            anomaly(AnomalyKind.JOIN_AFTER_LEAVE, room, s.sid(), s.identity(),
                    "participant_joined after the session ended (" + s.endSource() + "); it stays ended");
        }
        // Name and metadata come from the newest full participant info; a track event's partial one has neither.
        boolean newer = e.atMs() >= s.lastEventMs() || !hasParticipantInfo(s);
        // An open session is in the state its join says (an inferred one had none); an ended one keeps its end's.
        String state = s.open() && (newer || s.finalState() == null) ? stateName(p) : s.finalState();
        tx.saveSession(new Session(s.sid(), s.roomSid(), s.roomName(), p.getIdentity(),
                newer ? p.getName() : s.name(), p.getKind().name(), newer ? p.getMetadata() : s.metadata(),
                joinedMs, "participant_joined", s.leftAtMs(), s.endSource(), state, s.disconnectReason(),
                Math.max(s.lastEventMs(), e.atMs())));
        updatePresence(room);
    }

    private void participantEnded(String endSource) throws SQLException {
        Room room = ensureRoom();
        ParticipantInfo p = e.event().getParticipant();
        long leftMs = e.atMs();
        Session s = tx.session(p.getSid()).orElse(null);
        if (s == null) {
            // connection_aborted is sent instead of participant_left for a participant that never finished
            // connecting, and so never had a participant_joined: it is a whole session, not a gap.
            s = newSession(room, p, joinedMs(p), endSource);
            if (!"connection_aborted".equals(endSource)) {
                anomaly(AnomalyKind.LEFT_WITHOUT_JOIN, room, p.getSid(), p.getIdentity(),
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
        updatePresence(room);
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

    private Session newSession(Room room, ParticipantInfo p, long joinedMs, String startSource) {
        return new Session(p.getSid(), room.sid(), room.name(), p.getIdentity(), p.getName(), p.getKind().name(),
                p.getMetadata(), joinedMs, startSource, null, null, stateName(p), null, e.atMs());
    }

    private void endSession(Session s, long endMs, String endSource, String finalState, String reason)
            throws SQLException {
        long leftMs = notBefore(endMs, s.joinedAtMs());
        tx.saveSession(ended(s, leftMs, endSource, finalState, reason));
        for (Track track : tx.openTracksOfParticipant(s.sid())) {
            tx.saveTrack(endedTrack(track, leftMs, endSource));
            if (!"room_finished".equals(endSource)) {
                anomaly(AnomalyKind.TRACK_ENDED_BY_PARTICIPANT_LEFT, tx.room(s.roomSid()).orElse(null), s.sid(),
                        s.identity(), "track " + track.sid() + " had no track_unpublished before " + endSource);
            }
        }
    }

    private Session ended(Session s, Long leftMs, String endSource, String finalState, String reason) {
        return new Session(s.sid(), s.roomSid(), s.roomName(), s.identity(), s.name(), s.kind(), s.metadata(),
                s.joinedAtMs(), s.startSource(), leftMs, endSource, finalState != null ? finalState : s.finalState(),
                reason != null ? reason : s.disconnectReason(), Math.max(s.lastEventMs(), e.atMs()));
    }

    /**
     * An end stamped from createdAt (whole seconds) can fall before a start known to the millisecond when
     * both are in the same second; it cannot have happened before the start, so it is the start then.
     */
    private static long notBefore(long endMs, Long startMs) {
        return startMs == null ? endMs : Math.max(endMs, startMs);
    }

    private long joinedMs(ParticipantInfo p) {
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
    private Session ensureSession(Room room) throws SQLException {
        ParticipantInfo p = e.event().getParticipant();
        Optional<Session> existing = tx.session(p.getSid());
        if (existing.isPresent()) {
            return existing.get();
        }
        Session session = new Session(p.getSid(), room.sid(), room.name(), p.getIdentity(), p.getName(),
                p.getKind().name(), p.getMetadata(), e.atMs(), "inferred", null, null, null, null, e.atMs());
        if (!room.active()) {
            session = ended(session, notBefore(room.finishedAtMs(), session.joinedAtMs()), "room_finished", null,
                    null);
        }
        tx.saveSession(session);
        anomaly(AnomalyKind.TRACK_FROM_UNKNOWN_PARTICIPANT, room, p.getSid(), p.getIdentity(),
                e.type() + " from a participant never seen joining");
        updatePresence(room);
        return session;
    }

    // -- corrections from reconciliation ------------------------------------------------------------

    /**
     * A correction's time is when LiveKit's list proved it; an event of the session or room stamped later
     * means the list was already stale when the correction applied, so the correction is dropped.
     */
    private void correction() throws SQLException {
        switch (e.type()) {
            case "participant_left" -> reconciledLeave();
            case "participant_joined" -> reconciledJoin();
            case "room_finished" -> reconciledRoomEnd();
            default -> { } // livehook writes no other kind
        }
    }

    private void reconciledLeave() throws SQLException {
        Session s = tx.session(e.event().getParticipant().getSid()).orElse(null);
        if (s == null || !s.open() || Math.max(s.lastEventMs(), tx.lastEventMsOfParticipant(s))
                > e.atMs()) {
            return;
        }
        Room room = tx.room(s.roomSid()).orElse(null);
        endSession(s, e.atMs(), RECONCILED, null, null);
        anomaly(AnomalyKind.RECONCILED, room, s.sid(), s.identity(),
                "LiveKit no longer lists the participant: ended without its participant_left");
        if (room != null) {
            updatePresence(room);
        }
    }

    private void reconciledJoin() throws SQLException {
        ParticipantInfo p = e.event().getParticipant();
        Room room = tx.room(roomSid()).orElse(null);
        if (room == null || !room.active() || tx.session(p.getSid()).isPresent()) {
            return;
        }
        tx.saveSession(newSession(room, p, joinedMs(p), RECONCILED));
        anomaly(AnomalyKind.RECONCILED, room, p.getSid(), p.getIdentity(),
                "LiveKit lists a participant never seen joining: opened without its participant_joined");
        updatePresence(room);
    }

    private void reconciledRoomEnd() throws SQLException {
        Room room = tx.room(roomSid()).orElse(null);
        if (room == null || !room.active()
                || Math.max(room.lastEventMs(), tx.lastEventMsOfRoom(room.sid())) > e.atMs()) {
            return;
        }
        anomaly(AnomalyKind.RECONCILED, room, null, null,
                "LiveKit no longer lists the room: finished without its room_finished");
        finishRoom(room, RECONCILED);
    }

    // -- tracks ------------------------------------------------------------------------------------

    private void trackPublished() throws SQLException {
        Room room = ensureRoom();
        Session session = ensureSession(room);
        TrackInfo info = e.event().getTrack();
        Optional<Track> existing = tx.track(info.getSid());
        long publishedMs = existing.map(Track::publishedAtMs).filter(at -> at != null).orElse(e.atMs());
        Track track = new Track(info.getSid(), session.sid(), room.sid(), info.getType().name(),
                info.getSource().name(), info.getMimeType(), info.getName(), publishedMs, "track_published",
                existing.map(Track::unpublishedAtMs).orElse(null), existing.map(Track::endSource).orElse(null));
        if (track.open() && !session.open()) {
            track = endedTrack(track, session.leftAtMs(), session.endSource());
        }
        if (!track.open()) {
            anomaly(AnomalyKind.PUBLISH_AFTER_END, room, session.sid(), session.identity(),
                    "track_published for " + info.getSid() + " after it or its participant ended; it stays ended");
        }
        tx.saveTrack(track);
    }

    private void trackUnpublished() throws SQLException {
        Room room = ensureRoom();
        Session session = ensureSession(room);
        TrackInfo info = e.event().getTrack();
        Optional<Track> existing = tx.track(info.getSid());
        if (existing.isEmpty()) {
            tx.saveTrack(new Track(info.getSid(), session.sid(), room.sid(), info.getType().name(),
                    info.getSource().name(), info.getMimeType(), info.getName(), null, "inferred", e.atMs(),
                    "track_unpublished"));
            anomaly(AnomalyKind.UNPUBLISH_WITHOUT_PUBLISH, room, session.sid(), session.identity(),
                    "track_unpublished for " + info.getSid() + " never seen published");
            return;
        }
        Track track = existing.get();
        if ("track_unpublished".equals(track.endSource())) {
            return;
        }
        tx.saveTrack(endedTrack(track, e.atMs(), "track_unpublished"));
    }

    private static Track endedTrack(Track t, Long atMs, String endSource) {
        return new Track(t.sid(), t.participantSid(), t.roomSid(), t.type(), t.source(), t.mimeType(), t.name(),
                t.publishedAtMs(), t.publishSource(), atMs, endSource);
    }

    // -- egress and ingress ------------------------------------------------------------------------

    private void egress() throws SQLException {
        EgressInfo info = e.event().getEgressInfo();
        String status = info.getStatus().name();
        long updatedNs = info.getUpdatedAt() > 0 ? info.getUpdatedAt()
                : Math.max(info.getEndedAt(), info.getStartedAt()) > 0 ? Math.max(info.getEndedAt(), info.getStartedAt())
                : e.atMs() * 1_000_000;
        tx.addEgressHistory(info.getEgressId(), e.id(), status, updatedNs);
        Optional<Egress> existing = tx.egress(info.getEgressId());
        if (existing.isPresent() && isOlder(existing.get(), info.getStatus(), updatedNs)) {
            anomaly(AnomalyKind.STALE_EVENT, null, null, null, "egress " + info.getEgressId() + " " + status
                    + " is older than its current status " + existing.get().status());
            return;
        }
        tx.saveEgress(new Egress(info.getEgressId(), info.getRoomId(), info.getRoomName(), status,
                positiveOrNull(info.getStartedAt()), positiveOrNull(info.getEndedAt()), updatedNs, info.getError(),
                results(info)));
    }

    private static boolean isOlder(Egress current, EgressStatus status, long updatedNs) {
        boolean currentTerminal = EGRESS_TERMINAL.stream().anyMatch(s -> s.name().equals(current.status()));
        if (currentTerminal && !EGRESS_TERMINAL.contains(status)) {
            return true;
        }
        return updatedNs < current.updatedAtNs();
    }

    private static String results(EgressInfo info) {
        var results = EgressInfo.newBuilder()
                .addAllFileResults(info.getFileResultsList())
                .addAllStreamResults(info.getStreamResultsList())
                .addAllSegmentResults(info.getSegmentResultsList())
                .addAllImageResults(info.getImageResultsList())
                .build();
        try {
            return RESULTS.print(results);
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            throw new IllegalStateException("egress results cannot be printed", ex);
        }
    }

    private void ingress() throws SQLException {
        IngressInfo info = e.event().getIngressInfo();
        var state = info.getState();
        String status = state.getStatus().name();
        long updatedMs = EpochMillis.fromAnyUnit(state.getUpdatedAt()) > 0 ? EpochMillis.fromAnyUnit(state.getUpdatedAt()) : e.atMs();
        tx.addIngressHistory(info.getIngressId(), e.id(), status, updatedMs);
        Optional<Ingress> existing = tx.ingress(info.getIngressId());
        if (existing.isPresent() && updatedMs < existing.get().updatedAtMs()) {
            anomaly(AnomalyKind.STALE_EVENT, null, null, null, "ingress " + info.getIngressId() + " " + status
                    + " is older than its current status " + existing.get().status());
            return;
        }
        tx.saveIngress(new Ingress(info.getIngressId(), info.getName(), info.getRoomName(),
                info.getParticipantIdentity(), status, state.getError(),
                positiveOrNull(EpochMillis.fromAnyUnit(state.getStartedAt())), positiveOrNull(EpochMillis.fromAnyUnit(state.getEndedAt())),
                updatedMs));
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static Long positiveOrNull(long value) {
        return value > 0 ? value : null;
    }

    private void anomaly(AnomalyKind kind, Room room, String participantSid, String identity, String detail)
            throws SQLException {
        Anomaly anomaly = new Anomaly(kind.label(), room == null ? emptyToNull(e.roomSid()) : room.sid(),
                room == null ? emptyToNull(e.roomName()) : room.name(), participantSid, identity,
                List.of(e.id()), detail, e.atMs());
        tx.recordAnomaly(anomaly);
        anomalies.add(anomaly);
    }
}
