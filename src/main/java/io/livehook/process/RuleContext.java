package io.livehook.process;

import io.livehook.state.Anomaly;
import io.livehook.state.Room;
import io.livehook.state.RoomTimeouts;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One event being applied: the state it is applied to, the anomalies it recorded, and what every kind of rule
 * asks of it (its room, created as inferred if never seen; the room's presence figures; the anomaly record).
 */
final class RuleContext {
    final BatchState state;
    final LiveKitEvent e;
    final List<Anomaly> anomalies = new ArrayList<>();
    final RoomRules rooms;
    final ParticipantRules participants;
    final TrackRules tracks;
    final EgressIngressRules egressAndIngress;
    final CorrectionRules corrections;

    RuleContext(BatchState state, LiveKitEvent e) {
        this.state = state;
        this.e = e;
        this.rooms = new RoomRules(this);
        this.participants = new ParticipantRules(this);
        this.tracks = new TrackRules(this);
        this.egressAndIngress = new EgressIngressRules(this);
        this.corrections = new CorrectionRules(this);
    }

    long roomCreationMs(livekit.LivekitModels.Room info) {
        if (info.getCreationTimeMs() > 0) {
            return info.getCreationTimeMs();
        }
        return info.getCreationTime() > 0 ? info.getCreationTime() * 1000 : e.atMs();
    }

    String roomSid() throws SQLException {
        var info = e.event().getRoom();
        if (!info.getSid().isEmpty()) {
            return info.getSid();
        }
        // No sid (older servers, partial rooms): the newest room of that name, else a stable stand-in.
        return state.latestRoomNamed(info.getName()).map(Room::sid).orElse("name:" + info.getName());
    }

    /** The event's room, created as inferred (and recorded as an anomaly) if it was never seen. */
    Room ensureRoom() throws SQLException {
        String sid = roomSid();
        Optional<Room> existing = state.room(sid);
        if (existing.isPresent()) {
            return existing.get();
        }
        var info = e.event().getRoom();
        Room room = new Room(sid, info.getName(), Room.ACTIVE, roomCreationMs(info), "inferred", null, null,
                info.getMetadata(), 0, e.atMs());
        state.saveRoom(room);
        noteTimeouts(sid);
        anomaly(AnomalyKind.ROOM_INFERRED, room, null, null, e.type() + " for a room never seen starting");
        return room;
    }

    /** The room's timeouts, when the event's room carries them: rooms are ended by them when LiveKit is silent. */
    void noteTimeouts(String roomSid) {
        var info = e.event().getRoom();
        if (info.getEmptyTimeout() > 0 || info.getDepartureTimeout() > 0) {
            state.saveRoomTimeouts(new RoomTimeouts(roomSid, info.getEmptyTimeout(), info.getDepartureTimeout()));
        }
    }

    void updatePresence(Room room) throws SQLException {
        int present = state.presentIdentities(room.sid());
        Room current = state.room(room.sid()).orElse(room);
        if (present > current.peakParticipants() || e.atMs() > current.lastEventMs()) {
            state.saveRoom(new Room(current.sid(), current.name(), current.status(), current.startedAtMs(),
                    current.startSource(), current.finishedAtMs(), current.endSource(), current.metadata(),
                    Math.max(present, current.peakParticipants()), Math.max(e.atMs(), current.lastEventMs())));
        }
    }

    /**
     * An end stamped from createdAt (whole seconds) can fall before a start known to the millisecond when
     * both are in the same second; it cannot have happened before the start, so it is the start then.
     */
    static long notBefore(long endMs, Long startMs) {
        return startMs == null ? endMs : Math.max(endMs, startMs);
    }

    static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    static Long positiveOrNull(long value) {
        return value > 0 ? value : null;
    }

    void anomaly(AnomalyKind kind, Room room, String participantSid, String identity, String detail)
            throws SQLException {
        Anomaly anomaly = new Anomaly(kind.label(), room == null ? emptyToNull(e.roomSid()) : room.sid(),
                room == null ? emptyToNull(e.roomName()) : room.name(), participantSid, identity,
                List.of(e.id()), detail, e.atMs());
        state.recordAnomaly(anomaly);
        anomalies.add(anomaly);
    }
}
