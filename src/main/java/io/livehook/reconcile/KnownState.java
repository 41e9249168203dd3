package io.livehook.reconcile;

import io.livehook.state.Anomaly;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateQueries;
import io.livehook.state.StateStore;
import io.livehook.state.Track;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What livehook believes, read for reconciliation from committed state (never inside a writer's turn). */
final class KnownState {
    private final StateQueries queries;

    KnownState(StateStore store) {
        // Only the figures that run to "now" need a clock, and reconciliation reads none of them.
        this.queries = new StateQueries(store, Clock.systemUTC());
    }

    /** Active rooms, or the active room(s) of that name. */
    List<Room> activeRooms(Optional<String> name) {
        return queries.activeRooms(name);
    }

    Optional<Room> room(String sid) {
        return queries.roomById(sid);
    }

    /** One room's sessions as livehook knows them now, with when each was last heard of. */
    RoomSessions sessions(String roomSid) {
        return new RoomSessions(queries.sessionsOfRoom(roomSid), queries.lastHeardOfParticipantsMs(roomSid));
    }

    /** One room's tracks as livehook knows them now, by track sid. */
    Map<String, Track> tracks(String roomSid) {
        Map<String, Track> bySid = new HashMap<>();
        queries.tracksOfRoom(roomSid).forEach(t -> bySid.put(t.sid(), t));
        return bySid;
    }

    /**
     * When livehook last heard of the room: the later of the newest event's LiveKit time and its arrival, so
     * that a late-delivered event counts as recent.
     */
    long roomLastHeardMs(Room room) {
        return Math.max(queries.roomLastHeardMs(room.sid()), room.lastEventMs());
    }

    /** The newest anomaly id, where watching for new ones starts. */
    long lastAnomalyId() {
        return queries.lastAnomalyId();
    }

    /** Anomalies recorded after {@code afterId}, at most {@code limit}, oldest first, with their ids. */
    List<Map.Entry<Long, Anomaly>> anomaliesAfter(long afterId, int limit) {
        return queries.anomaliesAfter(afterId, limit).stream()
                .map(r -> Map.entry(r.id(), r.anomaly()))
                .toList();
    }

    /** A room's sessions by sid, and for each participant sid when livehook last heard of it. */
    record RoomSessions(List<Session> all, Map<String, Long> lastHeardMs) {
        Set<String> sids() {
            Set<String> sids = new HashSet<>();
            all.forEach(s -> sids.add(s.sid()));
            return sids;
        }

        List<Session> open() {
            return all.stream().filter(Session::open).toList();
        }

        Optional<Session> session(String sid) {
            return all.stream().filter(s -> s.sid().equals(sid)).findFirst();
        }

        long lastHeardMs(Session s) {
            return Math.max(s.lastEventMs(), lastHeardMs.getOrDefault(s.sid(), 0L));
        }
    }
}
