package io.livehook.state;

import static io.livehook.state.Statements.nullableLong;
import static io.livehook.state.Statements.placeholders;

import io.livehook.state.StateQueries.Page;
import io.livehook.state.StateQueries.RoomFigures;
import io.livehook.state.StateQueries.RoomKey;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The SQL of the rooms table: what processing reads and writes, and the room lists and figures shown. */
final class Rooms {
    private Rooms() {}

    static final String COLUMNS = "sid, name, status, started_at_ms, start_source, finished_at_ms, end_source, "
            + "metadata, peak_participants, last_event_ms";
    private static final String SAVE = "INSERT INTO rooms (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (sid) DO UPDATE SET name = excluded.name, status = excluded.status, "
            + "started_at_ms = excluded.started_at_ms, start_source = excluded.start_source, "
            + "finished_at_ms = excluded.finished_at_ms, end_source = excluded.end_source, "
            + "metadata = excluded.metadata, peak_participants = excluded.peak_participants, "
            + "last_event_ms = excluded.last_event_ms";
    /** Rooms newest first; nulls (never seen in practice) sort as oldest on every database alike. */
    private static final String ORDER_KEY = "COALESCE(started_at_ms, 0)";

    static Room map(ResultSet rs) throws SQLException {
        return new Room(rs.getString("sid"), rs.getString("name"), rs.getString("status"),
                nullableLong(rs, "started_at_ms"), rs.getString("start_source"), nullableLong(rs, "finished_at_ms"),
                rs.getString("end_source"), rs.getString("metadata"), rs.getInt("peak_participants"),
                rs.getLong("last_event_ms"));
    }

    static Optional<Room> byId(Statements sql, String sid) throws SQLException {
        return sql.one("SELECT " + COLUMNS + " FROM rooms WHERE sid = ?", Rooms::map, sid);
    }

    static List<Room> byIds(Statements sql, Collection<String> sids) throws SQLException {
        return sql.in("SELECT " + COLUMNS + " FROM rooms WHERE 1 = 1", "sid", sids, Rooms::map);
    }

    /** The room a sid-less event (ingress, some egress) of that name refers to: an active one, else the newest. */
    static Optional<Room> currentNamed(Statements sql, String name) throws SQLException {
        return sql.one("SELECT " + COLUMNS + " FROM rooms WHERE name = ? "
                + "ORDER BY status = 'active' DESC, " + ORDER_KEY + " DESC LIMIT 1", Rooms::map, name);
    }

    /** A room by sid, or else the newest room of that name (what someone looking a room up means). */
    static Optional<Room> bySidOrName(Statements sql, String sidOrName) throws SQLException {
        Optional<Room> bySid = byId(sql, sidOrName);
        if (bySid.isPresent()) {
            return bySid;
        }
        return sql.one("SELECT " + COLUMNS + " FROM rooms WHERE name = ? ORDER BY " + ORDER_KEY + " DESC, sid DESC "
                + "LIMIT 1", Rooms::map, sidOrName);
    }

    /** Saves the rows in one batch. */
    static void saveAll(Statements sql, Collection<Room> rows) throws SQLException {
        List<Object[]> params = new ArrayList<>(rows.size());
        for (Room r : rows) {
            params.add(row(r));
        }
        sql.batch(SAVE, params);
    }

    /** Saves the rooms' timeouts in one batch. */
    static void saveTimeouts(Statements sql, Collection<RoomTimeouts> rows) throws SQLException {
        List<Object[]> params = new ArrayList<>(rows.size());
        for (RoomTimeouts t : rows) {
            params.add(new Object[] {t.roomSid(), t.emptyTimeoutS(), t.departureTimeoutS()});
        }
        sql.batch("INSERT INTO room_timeouts (room_sid, empty_timeout_s, departure_timeout_s) VALUES (?, ?, ?) "
                + "ON CONFLICT (room_sid) DO UPDATE SET empty_timeout_s = excluded.empty_timeout_s, "
                + "departure_timeout_s = excluded.departure_timeout_s", params);
    }

    /** Active rooms with no open session, with their timeouts and when they were last heard of. */
    static List<QuietRoom> quiet(Statements sql) throws SQLException {
        List<QuietRoom> rooms = sql.list("SELECT " + COLUMNS + ", empty_timeout_s, "
                + "departure_timeout_s FROM rooms LEFT JOIN room_timeouts ON room_timeouts.room_sid = rooms.sid "
                + "WHERE status = 'active' AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.room_sid = rooms.sid "
                + "AND s.end_source IS NULL)",
                rs -> {
                    Room room = map(rs);
                    int empty = rs.getInt("empty_timeout_s");
                    RoomTimeouts timeouts = rs.wasNull() ? null
                            : new RoomTimeouts(room.sid(), empty, rs.getInt("departure_timeout_s"));
                    return new QuietRoom(room, timeouts, room.lastEventMs());
                });
        List<QuietRoom> quiet = new ArrayList<>(rooms.size());
        for (QuietRoom r : rooms) {
            long heard = Math.max(r.lastHeardMs(), Events.lastHeardOfRoomMs(sql, r.room().sid()));
            quiet.add(new QuietRoom(r.room(), r.timeouts(), heard));
        }
        return quiet;
    }

    private static Object[] row(Room r) {
        return new Object[] {r.sid(), r.name(), r.status(), r.startedAtMs(), r.startSource(), r.finishedAtMs(),
                r.endSource(), r.metadata(), r.peakParticipants(), r.lastEventMs()};
    }

    /** Active rooms by name, or the active room(s) of one name, oldest first. */
    static List<Room> active(Statements sql, Optional<String> name) throws SQLException {
        return name.isPresent()
                ? sql.list("SELECT " + COLUMNS + " FROM rooms WHERE status = 'active' AND name = ? "
                        + "ORDER BY " + ORDER_KEY, Rooms::map, name.get())
                : sql.list("SELECT " + COLUMNS + " FROM rooms WHERE status = 'active' ORDER BY name", Rooms::map);
    }

    static long countActive(Statements sql) throws SQLException {
        return sql.count("SELECT count(*) FROM rooms WHERE status = 'active'");
    }

    /** Rooms newest first (by start), optionally of one status, after {@code before} (exclusive). */
    static Page<Room> page(Statements sql, String status, RoomKey before, int limit) throws SQLException {
        List<Object> params = new ArrayList<>();
        StringBuilder query = new StringBuilder("SELECT " + COLUMNS + " FROM rooms WHERE 1 = 1");
        if (status != null) {
            query.append(" AND status = ?");
            params.add(status);
        }
        if (before != null) {
            query.append(" AND (" + ORDER_KEY + " < ? OR (" + ORDER_KEY + " = ? AND sid < ?))");
            params.add(before.startedAtMs());
            params.add(before.startedAtMs());
            params.add(before.sid());
        }
        query.append(" ORDER BY " + ORDER_KEY + " DESC, sid DESC LIMIT ?");
        params.add(limit + 1);
        return Page.of(sql.list(query.toString(), Rooms::map, params.toArray()), limit);
    }

    /** The figures of each room (by sid), in two grouped queries whatever the number of rooms. */
    static Map<String, RoomFigures> figures(Statements sql, List<Room> rooms, long now) throws SQLException {
        Map<String, RoomFigures> figures = new HashMap<>();
        if (rooms.isEmpty()) {
            return figures;
        }
        String in = placeholders(rooms.size());
        Object[] sids = rooms.stream().map(Room::sid).toArray();

        record SessionFigures(int sessions, int identities, int present, long participantMs) {}
        Map<String, SessionFigures> sessions = new HashMap<>();
        List<Object> params = new ArrayList<>(List.of(now, now));
        params.addAll(List.of(sids));
        for (var row : sql.list("SELECT s.room_sid, COUNT(*) AS sessions, COUNT(DISTINCT s.identity) AS identities, "
                        + "COUNT(DISTINCT CASE WHEN s.end_source IS NULL THEN s.identity END) AS present, "
                        + "SUM(" + Sessions.DURATION + ") AS participant_ms "
                        + "FROM sessions s JOIN rooms r ON r.sid = s.room_sid WHERE s.room_sid IN (" + in + ") "
                        + "GROUP BY s.room_sid",
                rs -> Map.entry(rs.getString("room_sid"), new SessionFigures(rs.getInt("sessions"),
                        rs.getInt("identities"), rs.getInt("present"), rs.getLong("participant_ms"))),
                params.toArray())) {
            sessions.put(row.getKey(), row.getValue());
        }

        Map<String, Map<String, Long>> egress = new HashMap<>();
        for (var row : sql.list("SELECT r.sid, e.status, COUNT(*) AS n FROM rooms r JOIN egress e ON "
                        + EgressAndIngress.OF_ROOM + " WHERE r.sid IN (" + in + ") GROUP BY r.sid, e.status",
                rs -> List.of(rs.getString(1), rs.getString(2), rs.getLong(3)), sids)) {
            egress.computeIfAbsent((String) row.get(0), sid -> new TreeMap<>())
                    .put((String) row.get(1), (Long) row.get(2));
        }

        for (Room room : rooms) {
            SessionFigures s = sessions.getOrDefault(room.sid(), new SessionFigures(0, 0, 0, 0));
            Long duration = null;
            if (room.startedAtMs() != null) {
                long end = room.finishedAtMs() != null ? room.finishedAtMs() : now;
                duration = Math.max(0, end - room.startedAtMs());
            }
            figures.put(room.sid(), new RoomFigures(duration, room.peakParticipants(), s.present(), s.sessions(),
                    s.identities(), s.participantMs(),
                    Collections.unmodifiableMap(egress.getOrDefault(room.sid(), new TreeMap<>()))));
        }
        return figures;
    }
}
