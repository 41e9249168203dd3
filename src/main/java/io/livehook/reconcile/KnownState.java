package io.livehook.reconcile;

import io.livehook.state.Anomaly;
import io.livehook.state.Jdbc;
import io.livehook.state.Room;
import io.livehook.state.Rows;
import io.livehook.state.Session;
import io.livehook.state.StateStore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What livehook believes, read for reconciliation from committed state (never inside a writer's turn). */
final class KnownState {
    private final StateStore store;

    KnownState(StateStore store) {
        this.store = store;
    }

    /** Active rooms, or the active room(s) of that name. */
    List<Room> activeRooms(Optional<String> name) {
        return store.read(c -> name.isPresent()
                ? Jdbc.list(c, "SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE status = 'active' AND name = ? "
                        + "ORDER BY started_at_ms", Rows::room, name.get())
                : Jdbc.list(c, "SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE status = 'active' ORDER BY name",
                        Rows::room));
    }

    Optional<Room> room(String sid) {
        return store.read(c -> Jdbc.one(c, "SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE sid = ?", Rows::room,
                sid));
    }

    /** One room's sessions as livehook knows them now, with when each was last heard of. */
    RoomSessions sessions(String roomSid) {
        return store.read(c -> {
            List<Session> sessions = Jdbc.list(c, "SELECT " + Rows.SESSION_COLUMNS + " FROM sessions "
                    + "WHERE room_sid = ?", Rows::session, roomSid);
            Map<String, Long> lastHeard = new HashMap<>();
            Jdbc.list(c, "SELECT participant_sid, max(received_at_ms), max(created_at_ms) FROM events "
                    + "WHERE room_sid = ? AND participant_sid IS NOT NULL GROUP BY participant_sid", rs -> {
                        lastHeard.put(rs.getString(1), Math.max(rs.getLong(2), rs.getLong(3)));
                        return null;
                    }, roomSid);
            return new RoomSessions(sessions, lastHeard);
        });
    }

    /**
     * When livehook last heard of the room: the later of the newest event's LiveKit time and its arrival, so
     * that a late-delivered event counts as recent.
     */
    long roomLastHeardMs(Room room) {
        long events = store.read(c -> Jdbc.one(c, "SELECT max(received_at_ms), max(created_at_ms) FROM events "
                + "WHERE room_sid = ?", rs -> Math.max(rs.getLong(1), rs.getLong(2)), room.sid()).orElse(0L));
        return Math.max(events, room.lastEventMs());
    }

    /** The newest anomaly id, where watching for new ones starts. */
    long lastAnomalyId() {
        return store.read(c -> Jdbc.count(c, "SELECT coalesce(max(id), 0) FROM anomalies"));
    }

    /** Anomalies recorded after {@code afterId}, at most {@code limit}, oldest first, with their ids. */
    List<Map.Entry<Long, Anomaly>> anomaliesAfter(long afterId, int limit) {
        return store.read(c -> Jdbc.list(c, "SELECT id, " + Rows.ANOMALY_COLUMNS + " FROM anomalies WHERE id > ? "
                + "ORDER BY id LIMIT ?", rs -> Map.entry(rs.getLong("id"), Rows.anomaly(rs)), afterId, limit));
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

        long lastHeardMs(Session s) {
            return Math.max(s.lastEventMs(), lastHeardMs.getOrDefault(s.sid(), 0L));
        }
    }
}
