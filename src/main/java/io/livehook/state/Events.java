package io.livehook.state;

import static io.livehook.state.Statements.nullableLong;

import io.livehook.state.StateQueries.EventFilter;
import io.livehook.state.StateQueries.EventKey;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateQueries.EventTypeCount;
import io.livehook.state.StateQueries.LogPosition;
import io.livehook.state.StateQueries.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of the events table: every event applied, in log order. It is the dedupe record (event_id) and the
 * timeline; the bodies are in the event log, at each row's position.
 */
final class Events {
    private Events() {}

    static final String COLUMNS = "event_id, log_partition, log_offset, event_type, known_type, queue_key, room_sid, "
            + "room_name, participant_sid, participant_identity, track_sid, egress_id, ingress_id, created_at_ms, "
            + "received_at_ms, origin, key_id, body_bytes";
    private static final String RECORD = "INSERT INTO events (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            + "?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING";
    /** When an event happened by LiveKit's clock, or when it arrived for one without a time. */
    private static final String HAPPENED = "COALESCE(created_at_ms, received_at_ms)";
    /**
     * Applied before a position: a transaction records a whole batch of events as applied before it applies the
     * first, and what the rules ask about must not depend on where a batch ends.
     */
    private static final String BEFORE = "(log_partition <> ? OR log_offset < ?)";

    static StoredEvent map(ResultSet rs) throws SQLException {
        return new StoredEvent(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getInt("known_type") != 0, rs.getString("queue_key"),
                rs.getString("room_sid"), rs.getString("room_name"), rs.getString("participant_sid"),
                rs.getString("participant_identity"), rs.getString("track_sid"), rs.getString("egress_id"),
                rs.getString("ingress_id"), nullableLong(rs, "created_at_ms"), rs.getLong("received_at_ms"),
                rs.getString("origin"), rs.getString("key_id"), rs.getInt("body_bytes"));
    }

    private static EventSummary summary(ResultSet rs) throws SQLException {
        return new EventSummary(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getInt("known_type") != 0, rs.getString("queue_key"),
                rs.getString("room_sid"), rs.getString("room_name"), rs.getString("participant_sid"),
                rs.getString("participant_identity"), rs.getString("track_sid"), rs.getString("egress_id"),
                rs.getString("ingress_id"), nullableLong(rs, "created_at_ms"), rs.getLong("received_at_ms"),
                rs.getString("origin"), rs.getString("key_id"), rs.getLong("body_bytes"));
    }

    /**
     * Records the events as applied, in one batch; each answer is false if that event already was (in an
     * earlier transaction, earlier in this batch, or in a concurrent transaction that committed it first).
     */
    static boolean[] recordAll(Statements sql, List<StoredEvent> events) throws SQLException {
        List<Object[]> rows = new ArrayList<>(events.size());
        for (StoredEvent e : events) {
            rows.add(row(e));
        }
        int[] counts = sql.batch(RECORD, rows);
        boolean[] recorded = new boolean[counts.length];
        for (int i = 0; i < counts.length; i++) {
            recorded[i] = counts[i] == 1;
        }
        return recorded;
    }

    private static Object[] row(StoredEvent e) {
        return new Object[] {e.eventId(), e.logPartition(), e.logOffset(), e.eventType(), e.knownType() ? 1 : 0,
                e.queueKey(), e.roomSid(), e.roomName(), e.participantSid(), e.participantIdentity(), e.trackSid(),
                e.egressId(), e.ingressId(), e.createdAtMs(), e.receivedAtMs(), e.origin(), e.keyId(), e.bodyBytes()};
    }

    static long count(Statements sql) throws SQLException {
        return sql.count("SELECT count(*) FROM events");
    }

    /**
     * When the newest event of the room applied before {@code before} (in its partition; any position in
     * another) happened, as {@link #lastOfParticipantMs}; 0 if none.
     */
    static long lastOfRoomMs(Statements sql, String roomSid, LogPosition before) throws SQLException {
        return sql.count("SELECT coalesce(max(" + HAPPENED + "), 0) FROM events WHERE room_sid = ? AND " + BEFORE,
                roomSid, before.logPartition(), before.logOffset());
    }

    /**
     * When the newest event about the participant (sid) of the room applied before {@code before} happened, by
     * LiveKit's clock (received time for an event without one); 0 if there is none. Track events count, though
     * they do not touch the session row; events that name the room without its sid count too.
     */
    static long lastOfParticipantMs(Statements sql, String roomSid, String roomName, String sid, LogPosition before)
            throws SQLException {
        return sql.count("SELECT coalesce(max(" + HAPPENED + "), 0) FROM events WHERE (room_sid = ? "
                + "OR (room_sid IS NULL AND room_name = ?)) AND participant_sid = ? AND " + BEFORE, roomSid, roomName,
                sid, before.logPartition(), before.logOffset());
    }

    /**
     * When livehook last heard of each participant (sid) of the room: the later of the newest event's LiveKit
     * time and its arrival, so that a late-delivered event counts as recent.
     */
    static Map<String, Long> lastHeardOfParticipantsMs(Statements sql, String roomSid) throws SQLException {
        Map<String, Long> lastHeard = new HashMap<>();
        for (var row : sql.list("SELECT participant_sid, max(received_at_ms), max(created_at_ms) FROM events "
                        + "WHERE room_sid = ? AND participant_sid IS NOT NULL GROUP BY participant_sid",
                rs -> Map.entry(rs.getString(1), Math.max(rs.getLong(2), rs.getLong(3))), roomSid)) {
            lastHeard.put(row.getKey(), row.getValue());
        }
        return lastHeard;
    }

    /** As {@link #lastHeardOfParticipantsMs}, for the room as a whole; 0 if nothing was heard. */
    static long lastHeardOfRoomMs(Statements sql, String roomSid) throws SQLException {
        return sql.one("SELECT max(received_at_ms), max(created_at_ms) FROM events WHERE room_sid = ?",
                rs -> Math.max(rs.getLong(1), rs.getLong(2)), roomSid).orElse(0L);
    }

    /** Applied events newest first (by received time, then log position), filtered. */
    static Page<EventSummary> page(Statements sql, EventFilter filter, EventKey before, int limit)
            throws SQLException {
        List<Object> params = new ArrayList<>();
        StringBuilder query = new StringBuilder("SELECT " + COLUMNS + " FROM events WHERE 1 = 1");
        if (filter.room() != null) {
            query.append(" AND (room_name = ? OR room_sid = ?)");
            params.add(filter.room());
            params.add(filter.room());
        }
        if (filter.eventType() != null) {
            query.append(" AND event_type = ?");
            params.add(filter.eventType());
        }
        if (filter.sinceMs() != null) {
            query.append(" AND received_at_ms >= ?");
            params.add(filter.sinceMs());
        }
        if (filter.untilMs() != null) {
            query.append(" AND received_at_ms < ?");
            params.add(filter.untilMs());
        }
        if (before != null) {
            query.append(" AND (received_at_ms < ? OR (received_at_ms = ? AND (log_partition < ? "
                    + "OR (log_partition = ? AND log_offset < ?))))");
            params.addAll(List.of(before.receivedAtMs(), before.receivedAtMs(), before.logPartition(),
                    before.logPartition(), before.logOffset()));
        }
        query.append(" ORDER BY received_at_ms DESC, log_partition DESC, log_offset DESC LIMIT ?");
        params.add(limit + 1);
        return Page.of(sql.list(query.toString(), Events::summary, params.toArray()), limit);
    }

    /**
     * A room's events in log order after {@code after} (exclusive). Events that name the room without its sid
     * (ingress, older servers) belong to it when they happened between its start and its finish.
     */
    static Page<EventSummary> ofRoom(Statements sql, Room room, LogPosition after, int limit) throws SQLException {
        long from = room.startedAtMs() == null ? Long.MIN_VALUE : room.startedAtMs() - 999; // createdAt is in s
        long to = room.finishedAtMs() == null ? Long.MAX_VALUE : room.finishedAtMs();
        List<Object> params = new ArrayList<>(List.of(room.sid(), room.name(), from, to));
        StringBuilder query = new StringBuilder("SELECT " + COLUMNS + " FROM events WHERE (room_sid = ? "
                + "OR (room_sid IS NULL AND room_name = ? AND " + HAPPENED + " BETWEEN ? AND ?))");
        if (after != null) {
            query.append(" AND (log_partition > ? OR (log_partition = ? AND log_offset > ?))");
            params.add(after.logPartition());
            params.add(after.logPartition());
            params.add(after.logOffset());
        }
        query.append(" ORDER BY log_partition, log_offset LIMIT ?");
        params.add(limit + 1);
        return Page.of(sql.list(query.toString(), Events::summary, params.toArray()), limit);
    }

    static Optional<EventSummary> summary(Statements sql, String eventId) throws SQLException {
        return sql.one("SELECT " + COLUMNS + " FROM events WHERE event_id = ?", Events::summary, eventId);
    }

    /** How many applied events of each type, most frequent first; unknown types included. */
    static List<EventTypeCount> types(Statements sql) throws SQLException {
        // known_type is the same for every event of a type; max() keeps the query portable and total.
        return sql.list("SELECT event_type, MAX(known_type) AS known, COUNT(*) AS n FROM events "
                        + "GROUP BY event_type ORDER BY n DESC, event_type",
                rs -> new EventTypeCount(rs.getString(1), rs.getInt(2) != 0, rs.getLong(3)));
    }
}
