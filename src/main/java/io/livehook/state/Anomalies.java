package io.livehook.state;

import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The SQL of the anomalies table: every inference livehook made, with the events that led to it. */
final class Anomalies {
    private Anomalies() {}

    static final String COLUMNS = "kind, room_sid, room_name, participant_sid, identity, event_ids, detail, at_ms";
    private static final String WITH_ID = "id, " + COLUMNS;

    static Anomaly map(ResultSet rs) throws SQLException {
        String ids = rs.getString("event_ids");
        List<String> eventIds = ids.isEmpty() ? List.of() : Arrays.asList(ids.split(","));
        return new Anomaly(rs.getString("kind"), rs.getString("room_sid"), rs.getString("room_name"),
                rs.getString("participant_sid"), rs.getString("identity"), eventIds, rs.getString("detail"),
                rs.getLong("at_ms"));
    }

    private static AnomalyRecord record(ResultSet rs) throws SQLException {
        return new AnomalyRecord(rs.getLong("id"), map(rs));
    }

    /** Records the anomalies in one batch, in their order. */
    static void addAll(Statements sql, List<Anomaly> anomalies) throws SQLException {
        List<Object[]> rows = new ArrayList<>(anomalies.size());
        for (Anomaly a : anomalies) {
            rows.add(new Object[] {a.kind(), a.roomSid(), a.roomName(), a.participantSid(), a.identity(),
                    String.join(",", a.eventIds()), a.detail(), a.atMs()});
        }
        sql.batch("INSERT INTO anomalies (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows);
    }

    /** Every anomaly of the room, in the order recorded; those naming the room without its sid included. */
    static List<AnomalyRecord> ofRoom(Statements sql, Room room) throws SQLException {
        return sql.list("SELECT " + WITH_ID + " FROM anomalies WHERE room_sid = ? "
                + "OR (room_sid IS NULL AND room_name = ?) ORDER BY id", Anomalies::record, room.sid(), room.name());
    }

    /** Anomalies newest first; {@code room} matches a room name or sid. */
    static Page<AnomalyRecord> page(Statements sql, String room, String kind, Long beforeId, int limit)
            throws SQLException {
        List<Object> params = new ArrayList<>();
        StringBuilder query = new StringBuilder("SELECT " + WITH_ID + " FROM anomalies WHERE 1 = 1");
        if (room != null) {
            query.append(" AND (room_name = ? OR room_sid = ?)");
            params.add(room);
            params.add(room);
        }
        if (kind != null) {
            query.append(" AND kind = ?");
            params.add(kind);
        }
        if (beforeId != null) {
            query.append(" AND id < ?");
            params.add(beforeId);
        }
        query.append(" ORDER BY id DESC LIMIT ?");
        params.add(limit + 1);
        return Page.of(sql.list(query.toString(), Anomalies::record, params.toArray()), limit);
    }

    /** The newest anomaly id; 0 when there is none. */
    static long lastId(Statements sql) throws SQLException {
        return sql.count("SELECT coalesce(max(id), 0) FROM anomalies");
    }

    /** Anomalies recorded after {@code afterId}, at most {@code limit}, oldest first. */
    static List<AnomalyRecord> after(Statements sql, long afterId, int limit) throws SQLException {
        return sql.list("SELECT " + WITH_ID + " FROM anomalies WHERE id > ? ORDER BY id LIMIT ?", Anomalies::record,
                afterId, limit);
    }
}
