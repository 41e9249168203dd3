package io.livehook.state;

import static io.livehook.state.Statements.nullableLong;
import static io.livehook.state.Statements.qualified;

import io.livehook.state.StateQueries.Page;
import io.livehook.state.StateQueries.SessionKey;
import io.livehook.state.StateQueries.SessionSpan;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The SQL of the sessions table: one row per participant connection (sid); presence is by identity. A
 * session lasts from its join to its leave; one still open lasts to its room's end, or to now while the room
 * is active.
 */
final class Sessions {
    private Sessions() {}

    static final String COLUMNS = "sid, room_sid, room_name, identity, name, kind, metadata, joined_at_ms, "
            + "start_source, left_at_ms, end_source, final_state, disconnect_reason, last_event_ms";
    private static final String SAVE = "INSERT INTO sessions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (sid) DO UPDATE SET room_sid = excluded.room_sid, room_name = excluded.room_name, "
            + "identity = excluded.identity, name = excluded.name, kind = excluded.kind, "
            + "metadata = excluded.metadata, joined_at_ms = excluded.joined_at_ms, "
            + "start_source = excluded.start_source, left_at_ms = excluded.left_at_ms, "
            + "end_source = excluded.end_source, final_state = excluded.final_state, "
            + "disconnect_reason = excluded.disconnect_reason, last_event_ms = excluded.last_event_ms";
    /** How long a session lasts in ms, never negative; binds "now" twice. Aliases: s sessions, r rooms. */
    static final String DURATION;
    private static final String ORDER_KEY = "COALESCE(s.joined_at_ms, 0)";

    static {
        String end = "COALESCE(s.left_at_ms, r.finished_at_ms, CAST(? AS BIGINT))";
        DURATION = "CASE WHEN s.joined_at_ms IS NULL THEN 0 WHEN " + end + " > s.joined_at_ms THEN " + end
                + " - s.joined_at_ms ELSE 0 END";
    }

    static Session map(ResultSet rs) throws SQLException {
        return new Session(rs.getString("sid"), rs.getString("room_sid"), rs.getString("room_name"),
                rs.getString("identity"), rs.getString("name"), rs.getString("kind"), rs.getString("metadata"),
                nullableLong(rs, "joined_at_ms"), rs.getString("start_source"), nullableLong(rs, "left_at_ms"),
                rs.getString("end_source"), rs.getString("final_state"), rs.getString("disconnect_reason"),
                rs.getLong("last_event_ms"));
    }

    static Optional<Session> byId(Statements sql, String sid) throws SQLException {
        return sql.one("SELECT " + COLUMNS + " FROM sessions WHERE sid = ?", Sessions::map, sid);
    }

    static List<Session> byIds(Statements sql, Collection<String> sids) throws SQLException {
        return sql.in("SELECT " + COLUMNS + " FROM sessions WHERE 1 = 1", "sid", sids, Sessions::map);
    }

    /**
     * The open sessions of each (room sid, identity) pair: one query per room, through the index of open sessions
     * by room and identity, which both databases take whatever plan they make for it. (Pairs ORed together were
     * a scan on PostgreSQL; identities alone, a walk through every session each identity ever had.)
     */
    static List<Session> openOf(Statements sql, List<Map.Entry<String, String>> roomAndIdentity) throws SQLException {
        Map<String, Set<String>> byRoom = new LinkedHashMap<>();
        for (Map.Entry<String, String> pair : roomAndIdentity) {
            byRoom.computeIfAbsent(pair.getKey(), r -> new HashSet<>()).add(pair.getValue());
        }
        List<Session> found = new ArrayList<>();
        for (Map.Entry<String, Set<String>> room : byRoom.entrySet()) {
            found.addAll(sql.in("SELECT " + COLUMNS + " FROM sessions WHERE end_source IS NULL AND room_sid = ?",
                    new Object[] {room.getKey()}, "identity", room.getValue(), "", Sessions::map));
        }
        return found;
    }

    /** Who is in each room now (distinct identities with an open session), for the rooms that have anyone. */
    static Map<String, Integer> presentCounts(Statements sql, Collection<String> roomSids) throws SQLException {
        Map<String, Integer> counts = new HashMap<>();
        for (var row : sql.in("SELECT room_sid, count(DISTINCT identity) FROM sessions WHERE end_source IS NULL",
                "room_sid", roomSids, " GROUP BY room_sid", rs -> Map.entry(rs.getString(1), rs.getInt(2)))) {
            counts.put(row.getKey(), row.getValue());
        }
        return counts;
    }

    /** The open sessions of the rooms. */
    static List<Session> openOfRooms(Statements sql, Collection<String> roomSids) throws SQLException {
        return sql.in("SELECT " + COLUMNS + " FROM sessions WHERE end_source IS NULL", "room_sid", roomSids,
                Sessions::map);
    }

    static List<Session> ofRoom(Statements sql, String roomSid) throws SQLException {
        return sql.list("SELECT " + COLUMNS + " FROM sessions WHERE room_sid = ? ORDER BY sid", Sessions::map,
                roomSid);
    }

    /** Who is in the room now: distinct identities with an open session (a reconnect is one person). */
    static int presentCount(Statements sql, String roomSid) throws SQLException {
        return (int) sql.count("SELECT count(DISTINCT identity) FROM sessions WHERE room_sid = ? "
                + "AND end_source IS NULL", roomSid);
    }

    static List<String> present(Statements sql, String roomSid) throws SQLException {
        return sql.list("SELECT DISTINCT identity FROM sessions WHERE room_sid = ? AND end_source IS NULL "
                + "ORDER BY identity", rs -> rs.getString(1), roomSid);
    }

    /** Saves the rows in one batch. */
    static void saveAll(Statements sql, Collection<Session> rows) throws SQLException {
        List<Object[]> params = new ArrayList<>(rows.size());
        for (Session s : rows) {
            params.add(row(s));
        }
        sql.batch(SAVE, params);
    }

    private static Object[] row(Session s) {
        return new Object[] {s.sid(), s.roomSid(), s.roomName(), s.identity(), s.name(), s.kind(), s.metadata(),
                s.joinedAtMs(), s.startSource(), s.leftAtMs(), s.endSource(), s.finalState(), s.disconnectReason(),
                s.lastEventMs()};
    }

    /** A room's sessions in join order, each with how long it lasted. */
    static List<SessionSpan> spansOfRoom(Statements sql, String roomSid, long now) throws SQLException {
        return sql.list("SELECT " + qualified("s", COLUMNS) + ", " + DURATION + " AS duration_ms FROM sessions s "
                        + "JOIN rooms r ON r.sid = s.room_sid WHERE s.room_sid = ? ORDER BY " + ORDER_KEY + ", s.sid",
                Sessions::span, now, now, roomSid);
    }

    /** Sessions of one identity across rooms, newest first; empty if the identity was never seen. */
    static Optional<Page<SessionSpan>> ofIdentity(Statements sql, String identity, SessionKey before, int limit,
            long now) throws SQLException {
        List<Object> params = new ArrayList<>(List.of(now, now, identity));
        StringBuilder query = new StringBuilder("SELECT " + qualified("s", COLUMNS) + ", " + DURATION
                + " AS duration_ms FROM sessions s LEFT JOIN rooms r ON r.sid = s.room_sid WHERE s.identity = ?");
        if (before != null) {
            query.append(" AND (" + ORDER_KEY + " < ? OR (" + ORDER_KEY + " = ? AND s.sid < ?))");
            params.add(before.joinedAtMs());
            params.add(before.joinedAtMs());
            params.add(before.sid());
        }
        query.append(" ORDER BY " + ORDER_KEY + " DESC, s.sid DESC LIMIT ?");
        params.add(limit + 1);
        Page<SessionSpan> page = Page.of(sql.list(query.toString(), Sessions::span, params.toArray()), limit);
        if (page.items().isEmpty() && sql.count("SELECT COUNT(*) FROM sessions WHERE identity = ?", identity) == 0) {
            return Optional.empty();
        }
        return Optional.of(page);
    }

    private static SessionSpan span(ResultSet rs) throws SQLException {
        return new SessionSpan(map(rs), rs.getLong("duration_ms"));
    }
}
