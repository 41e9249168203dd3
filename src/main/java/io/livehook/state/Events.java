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
 * The SQL of the events table: every event applied, in log order. It is the dedupe record (event_id), the
 * timeline and the raw archive.
 */
final class Events {
    private Events() {}

    static final String COLUMNS = "event_id, log_partition, log_offset, event_type, known_type, queue_key, room_sid, "
            + "room_name, participant_sid, participant_identity, track_sid, egress_id, ingress_id, created_at_ms, "
            + "received_at_ms, origin, key_id, body";
    private static final String SUMMARY_COLUMNS = COLUMNS.replace("body", "length(body) AS body_bytes");
    /** When an event happened by LiveKit's clock, or when it arrived for one without a time. */
    private static final String HAPPENED = "COALESCE(created_at_ms, received_at_ms)";

    static StoredEvent map(ResultSet rs) throws SQLException {
        return new StoredEvent(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getInt("known_type") != 0, rs.getString("queue_key"),
                rs.getString("room_sid"), rs.getString("room_name"), rs.getString("participant_sid"),
                rs.getString("participant_identity"), rs.getString("track_sid"), rs.getString("egress_id"),
                rs.getString("ingress_id"), nullableLong(rs, "created_at_ms"), rs.getLong("received_at_ms"),
                rs.getString("origin"), rs.getString("key_id"), rs.getBytes("body"));
    }

    private static EventSummary summary(ResultSet rs) throws SQLException {
        return new EventSummary(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getInt("known_type") != 0, rs.getString("queue_key"),
                rs.getString("room_sid"), rs.getString("room_name"), rs.getString("participant_sid"),
                rs.getString("participant_identity"), rs.getString("track_sid"), rs.getString("egress_id"),
                rs.getString("ingress_id"), nullableLong(rs, "created_at_ms"), rs.getLong("received_at_ms"),
                rs.getString("origin"), rs.getString("key_id"), rs.getLong("body_bytes"));
    }

    /** Records the event as applied; false if it already was (the dedupe that makes processing idempotent). */
    static boolean record(Statements sql, StoredEvent e) throws SQLException {
        return sql.update("INSERT INTO events (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        + "?, ?) ON CONFLICT (event_id) DO NOTHING",
                e.eventId(), e.logPartition(), e.logOffset(), e.eventType(), e.knownType() ? 1 : 0, e.queueKey(),
                e.roomSid(), e.roomName(), e.participantSid(), e.participantIdentity(), e.trackSid(), e.egressId(),
                e.ingressId(), e.createdAtMs(), e.receivedAtMs(), e.origin(), e.keyId(), e.body()) == 1;
    }

    static long count(Statements sql) throws SQLException {
        return sql.count("SELECT count(*) FROM events");
    }

    /** When the newest applied event of the room happened, as {@link #lastOfParticipantMs}; 0 if none. */
    static long lastOfRoomMs(Statements sql, String roomSid) throws SQLException {
        return sql.count("SELECT coalesce(max(" + HAPPENED + "), 0) FROM events WHERE room_sid = ?", roomSid);
    }

    /**
     * When the newest applied event about the participant happened, by LiveKit's clock (received time for an
     * event without one); 0 if there is none. Track events count, though they do not touch the session row.
     */
    static long lastOfParticipantMs(Statements sql, String identity, String sid) throws SQLException {
        return sql.count("SELECT coalesce(max(" + HAPPENED + "), 0) FROM events WHERE participant_identity = ? "
                + "AND participant_sid = ?", identity, sid);
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
        StringBuilder query = new StringBuilder("SELECT " + SUMMARY_COLUMNS + " FROM events WHERE 1 = 1");
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
        StringBuilder query = new StringBuilder("SELECT " + SUMMARY_COLUMNS + " FROM events WHERE (room_sid = ? "
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
        return sql.one("SELECT " + SUMMARY_COLUMNS + " FROM events WHERE event_id = ?", Events::summary, eventId);
    }

    /** The exact bytes LiveKit sent for an applied event. */
    static Optional<byte[]> body(Statements sql, String eventId) throws SQLException {
        return sql.one("SELECT body FROM events WHERE event_id = ?", rs -> rs.getBytes(1), eventId);
    }

    /** What is forwarded of an event: its exact bytes, and who produced it (livekit, or livehook's corrections). */
    static Optional<DeliveryStore.Forwarded> forwarded(Statements sql, String eventId) throws SQLException {
        return sql.one("SELECT body, origin FROM events WHERE event_id = ?",
                rs -> new DeliveryStore.Forwarded(rs.getBytes(1), rs.getString(2)), eventId);
    }

    /** How many applied events of each type, most frequent first; unknown types included. */
    static List<EventTypeCount> types(Statements sql) throws SQLException {
        // known_type is the same for every event of a type; max() keeps the query portable and total.
        return sql.list("SELECT event_type, MAX(known_type) AS known, COUNT(*) AS n FROM events "
                        + "GROUP BY event_type ORDER BY n DESC, event_type",
                rs -> new EventTypeCount(rs.getString(1), rs.getInt(2) != 0, rs.getLong(3)));
    }
}
