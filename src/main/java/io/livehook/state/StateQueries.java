package io.livehook.state;

import static io.livehook.state.Jdbc.list;
import static io.livehook.state.Jdbc.nullableLong;
import static io.livehook.state.Jdbc.one;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The read side of the state: what the query API and dashboard show. All SQL is portable (SQLite and
 * PostgreSQL). Lists are paged by keyset: each page is asked for with the key of the last item of the page
 * before it, so paging stays correct and cheap while new events arrive.
 *
 * <p>Derived figures follow one rule set. A session lasts from its join to its leave; a session still open
 * lasts to its room's end, or to now while the room is active. A room lasts from its start to its finish,
 * or to now while it is active. Egress belongs to a room by room sid, or by room name when LiveKit gave
 * none.
 */
public final class StateQueries {
    public static final int MAX_LIMIT = 1000;

    /** How long a session lasts in ms, never negative; binds "now" twice. Aliases: s sessions, r rooms. */
    private static final String SESSION_END = "COALESCE(s.left_at_ms, r.finished_at_ms, CAST(? AS BIGINT))";
    private static final String SESSION_DURATION = "CASE WHEN s.joined_at_ms IS NULL THEN 0 "
            + "WHEN " + SESSION_END + " > s.joined_at_ms THEN " + SESSION_END + " - s.joined_at_ms ELSE 0 END";
    /** Egress of room r (alias e). */
    private static final String EGRESS_OF_ROOM = "(e.room_sid = r.sid OR (e.room_sid = '' AND e.room_name = r.name))";
    /** Rooms newest first; nulls (never seen in practice) sort as oldest on every database. */
    private static final String ROOM_ORDER_KEY = "COALESCE(started_at_ms, 0)";
    private static final String SESSION_ORDER_KEY = "COALESCE(s.joined_at_ms, 0)";
    private static final String EVENT_SUMMARY_COLUMNS = "event_id, log_partition, log_offset, event_type, known_type, "
            + "queue_key, room_sid, room_name, participant_sid, participant_identity, track_sid, egress_id, ingress_id, "
            + "created_at_ms, received_at_ms, origin, key_id, length(body) AS body_bytes";
    private static final String ANOMALY_COLUMNS = "id, " + Rows.ANOMALY_COLUMNS;

    private final StateStore store;
    private final Clock clock;

    public StateQueries(StateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    // -- results -------------------------------------------------------------------------------------

    /** One page of a list; {@code more} says a next page exists. */
    public record Page<T>(List<T> items, boolean more) {
        public Optional<T> last() {
            return items.isEmpty() ? Optional.empty() : Optional.of(items.get(items.size() - 1));
        }
    }

    /**
     * What is derived about a room. {@code durationMs} is null when the start is unknown; participant
     * figures count distinct identities; {@code egressByStatus} counts the room's egress by latest status.
     */
    public record RoomFigures(
            Long durationMs,
            int peakParticipants,
            int currentParticipants,
            int sessions,
            int identities,
            long participantMs,
            Map<String, Long> egressByStatus) {

        public double participantMinutes() {
            return participantMs / 60_000.0;
        }
    }

    public record RoomSummary(Room room, RoomFigures figures) {}

    /** A session and how long it lasted (to its room's end or to now while open). */
    public record SessionSpan(Session session, long durationMs) {}

    public record RoomDetail(
            RoomSummary summary,
            List<SessionSpan> sessions,
            List<Track> tracks,
            List<String> currentParticipants,
            List<Egress> egress) {}

    /** An applied event without its body; {@code bodyBytes} is the size of the body received. */
    public record EventSummary(
            String eventId,
            int logPartition,
            long logOffset,
            String eventType,
            boolean knownType,
            String queueKey,
            String roomSid,
            String roomName,
            String participantSid,
            String participantIdentity,
            String trackSid,
            String egressId,
            String ingressId,
            Long createdAtMs,
            long receivedAtMs,
            String origin,
            String keyId,
            long bodyBytes) {}

    /** An anomaly with its row id (the order it was recorded in). */
    public record AnomalyRecord(long id, Anomaly anomaly) {}

    public record TimelineEntry(EventSummary event, List<AnomalyRecord> anomalies) {}

    /** One page of a room's events in log order, and every anomaly of the room. */
    public record Timeline(Room room, Page<TimelineEntry> entries, List<AnomalyRecord> anomalies) {}

    public record EventTypeCount(String eventType, boolean known, long count) {}

    // -- page keys -----------------------------------------------------------------------------------

    public record RoomKey(long startedAtMs, String sid) {
        public static RoomKey of(RoomSummary r) {
            Long started = r.room().startedAtMs();
            return new RoomKey(started == null ? 0 : started, r.room().sid());
        }
    }

    public record SessionKey(long joinedAtMs, String sid) {
        public static SessionKey of(SessionSpan s) {
            Long joined = s.session().joinedAtMs();
            return new SessionKey(joined == null ? 0 : joined, s.session().sid());
        }
    }

    /** Events newest first by received time, then log position. */
    public record EventKey(long receivedAtMs, int logPartition, long logOffset) {
        public static EventKey of(EventSummary e) {
            return new EventKey(e.receivedAtMs(), e.logPartition(), e.logOffset());
        }
    }

    /** A position in the log: timelines go forward from one. */
    public record LogPosition(int logPartition, long logOffset) {
        public static LogPosition of(TimelineEntry t) {
            return new LogPosition(t.event().logPartition(), t.event().logOffset());
        }
    }

    public record DeadLetterKey(long lastFailedMs, String eventId) {
        public static DeadLetterKey of(DeadLetter d) {
            return new DeadLetterKey(d.lastFailedMs(), d.eventId());
        }
    }

    /** Filters of the event list; null means any. {@code sinceMs} inclusive, {@code untilMs} exclusive. */
    public record EventFilter(String room, String eventType, Long sinceMs, Long untilMs) {}

    // -- rooms ---------------------------------------------------------------------------------------

    /** Rooms newest first (by start), optionally of one status, after {@code before} (exclusive). */
    public Page<RoomSummary> rooms(String status, RoomKey before, int limit) {
        long now = clock.millis();
        return store.read(c -> {
            List<Object> params = new ArrayList<>();
            StringBuilder sql = new StringBuilder("SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE 1 = 1");
            if (status != null) {
                sql.append(" AND status = ?");
                params.add(status);
            }
            if (before != null) {
                sql.append(" AND (" + ROOM_ORDER_KEY + " < ? OR (" + ROOM_ORDER_KEY + " = ? AND sid < ?))");
                params.add(before.startedAtMs());
                params.add(before.startedAtMs());
                params.add(before.sid());
            }
            sql.append(" ORDER BY " + ROOM_ORDER_KEY + " DESC, sid DESC LIMIT ?");
            params.add(limit + 1);
            Page<Room> rooms = page(list(c, sql.toString(), Rows::room, params.toArray()), limit);
            Map<String, RoomFigures> figures = figures(c, rooms.items(), now);
            List<RoomSummary> summaries = new ArrayList<>();
            for (Room room : rooms.items()) {
                summaries.add(new RoomSummary(room, figures.get(room.sid())));
            }
            return new Page<>(summaries, rooms.more());
        });
    }

    /** A room by sid, or else the newest room of that name. */
    public Optional<RoomDetail> room(String sidOrName) {
        long now = clock.millis();
        return store.read(c -> {
            Optional<Room> found = findRoom(c, sidOrName);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Room room = found.get();
            RoomFigures figures = figures(c, List.of(room), now).get(room.sid());
            List<SessionSpan> sessions = list(c, "SELECT " + qualified("s", Rows.SESSION_COLUMNS) + ", "
                            + SESSION_DURATION + " AS duration_ms FROM sessions s JOIN rooms r ON r.sid = s.room_sid "
                            + "WHERE s.room_sid = ? ORDER BY " + SESSION_ORDER_KEY + ", s.sid",
                    rs -> new SessionSpan(Rows.session(rs), rs.getLong("duration_ms")), now, now, room.sid());
            List<Track> tracks = list(c, "SELECT " + Rows.TRACK_COLUMNS + " FROM tracks WHERE room_sid = ? "
                    + "ORDER BY COALESCE(published_at_ms, unpublished_at_ms, 0), sid", Rows::track, room.sid());
            List<String> present = list(c, "SELECT DISTINCT identity FROM sessions "
                    + "WHERE room_sid = ? AND end_source IS NULL ORDER BY identity", rs -> rs.getString(1), room.sid());
            List<Egress> egress = list(c, "SELECT " + qualified("e", Rows.EGRESS_COLUMNS) + " FROM egress e "
                    + "JOIN rooms r ON " + EGRESS_OF_ROOM + " WHERE r.sid = ? "
                    + "ORDER BY COALESCE(e.started_at_ns, e.updated_at_ns), e.egress_id", Rows::egress, room.sid());
            return Optional.of(new RoomDetail(new RoomSummary(room, figures), sessions, tracks, present, egress));
        });
    }

    /**
     * A room's events in log order after {@code after} (exclusive), each with the anomalies it caused, and
     * every anomaly of the room. Events that name the room without its sid (ingress, older servers) belong
     * to it when they happened between its start and its finish.
     */
    public Optional<Timeline> timeline(String sidOrName, LogPosition after, int limit) {
        return store.read(c -> {
            Optional<Room> found = findRoom(c, sidOrName);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            Room room = found.get();
            long from = room.startedAtMs() == null ? Long.MIN_VALUE : room.startedAtMs() - 999; // createdAt is in s
            long to = room.finishedAtMs() == null ? Long.MAX_VALUE : room.finishedAtMs();
            List<Object> params = new ArrayList<>(List.of(room.sid(), room.name(), from, to));
            StringBuilder sql = new StringBuilder("SELECT " + EVENT_SUMMARY_COLUMNS + " FROM events "
                    + "WHERE (room_sid = ? OR (room_sid IS NULL AND room_name = ? "
                    + "AND COALESCE(created_at_ms, received_at_ms) BETWEEN ? AND ?))");
            if (after != null) {
                sql.append(" AND (log_partition > ? OR (log_partition = ? AND log_offset > ?))");
                params.add(after.logPartition());
                params.add(after.logPartition());
                params.add(after.logOffset());
            }
            sql.append(" ORDER BY log_partition, log_offset LIMIT ?");
            params.add(limit + 1);
            Page<EventSummary> events = page(list(c, sql.toString(), StateQueries::eventSummary, params.toArray()),
                    limit);
            List<AnomalyRecord> anomalies = list(c, "SELECT " + ANOMALY_COLUMNS + " FROM anomalies "
                            + "WHERE room_sid = ? OR (room_sid IS NULL AND room_name = ?) ORDER BY id",
                    StateQueries::anomalyRecord, room.sid(), room.name());
            Map<String, List<AnomalyRecord>> byEvent = new HashMap<>();
            for (AnomalyRecord anomaly : anomalies) {
                for (String eventId : anomaly.anomaly().eventIds()) {
                    byEvent.computeIfAbsent(eventId, id -> new ArrayList<>()).add(anomaly);
                }
            }
            List<TimelineEntry> entries = new ArrayList<>();
            for (EventSummary event : events.items()) {
                entries.add(new TimelineEntry(event, byEvent.getOrDefault(event.eventId(), List.of())));
            }
            return Optional.of(new Timeline(room, new Page<>(entries, events.more()), anomalies));
        });
    }

    private static Optional<Room> findRoom(Connection c, String sidOrName) throws SQLException {
        Optional<Room> bySid = one(c, "SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE sid = ?", Rows::room,
                sidOrName);
        if (bySid.isPresent()) {
            return bySid;
        }
        return one(c, "SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE name = ? "
                + "ORDER BY " + ROOM_ORDER_KEY + " DESC, sid DESC LIMIT 1", Rows::room, sidOrName);
    }

    /** The figures of each room (by sid), in three grouped queries whatever the number of rooms. */
    private static Map<String, RoomFigures> figures(Connection c, List<Room> rooms, long now) throws SQLException {
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
        for (var row : list(c, "SELECT s.room_sid, COUNT(*) AS sessions, COUNT(DISTINCT s.identity) AS identities, "
                        + "COUNT(DISTINCT CASE WHEN s.end_source IS NULL THEN s.identity END) AS present, "
                        + "SUM(" + SESSION_DURATION + ") AS participant_ms "
                        + "FROM sessions s JOIN rooms r ON r.sid = s.room_sid WHERE s.room_sid IN (" + in + ") "
                        + "GROUP BY s.room_sid",
                rs -> Map.entry(rs.getString("room_sid"), new SessionFigures(rs.getInt("sessions"),
                        rs.getInt("identities"), rs.getInt("present"), rs.getLong("participant_ms"))),
                params.toArray())) {
            sessions.put(row.getKey(), row.getValue());
        }

        Map<String, Map<String, Long>> egress = new HashMap<>();
        for (var row : list(c, "SELECT r.sid, e.status, COUNT(*) AS n FROM rooms r JOIN egress e ON " + EGRESS_OF_ROOM
                        + " WHERE r.sid IN (" + in + ") GROUP BY r.sid, e.status",
                rs -> List.of(rs.getString(1), rs.getString(2), rs.getLong(3)), sids)) {
            egress.computeIfAbsent((String) row.get(0), sid -> new TreeMap<>()).put((String) row.get(1), (Long) row.get(2));
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

    // -- identities ----------------------------------------------------------------------------------

    /** Sessions of one identity across rooms, newest first; empty if the identity was never seen. */
    public Optional<Page<SessionSpan>> identitySessions(String identity, SessionKey before, int limit) {
        long now = clock.millis();
        return store.read(c -> {
            List<Object> params = new ArrayList<>(List.of(now, now, identity));
            StringBuilder sql = new StringBuilder("SELECT " + qualified("s", Rows.SESSION_COLUMNS) + ", "
                    + SESSION_DURATION + " AS duration_ms FROM sessions s LEFT JOIN rooms r ON r.sid = s.room_sid "
                    + "WHERE s.identity = ?");
            if (before != null) {
                sql.append(" AND (" + SESSION_ORDER_KEY + " < ? OR (" + SESSION_ORDER_KEY + " = ? AND s.sid < ?))");
                params.add(before.joinedAtMs());
                params.add(before.joinedAtMs());
                params.add(before.sid());
            }
            sql.append(" ORDER BY " + SESSION_ORDER_KEY + " DESC, s.sid DESC LIMIT ?");
            params.add(limit + 1);
            Page<SessionSpan> page = page(list(c, sql.toString(),
                    rs -> new SessionSpan(Rows.session(rs), rs.getLong("duration_ms")), params.toArray()), limit);
            if (page.items().isEmpty()
                    && Jdbc.count(c, "SELECT COUNT(*) FROM sessions WHERE identity = ?", identity) == 0) {
                return Optional.empty();
            }
            return Optional.of(page);
        });
    }

    // -- events --------------------------------------------------------------------------------------

    /** Applied events newest first (by received time, then log position), filtered. */
    public Page<EventSummary> events(EventFilter filter, EventKey before, int limit) {
        return store.read(c -> {
            List<Object> params = new ArrayList<>();
            StringBuilder sql = new StringBuilder("SELECT " + EVENT_SUMMARY_COLUMNS + " FROM events WHERE 1 = 1");
            if (filter.room() != null) {
                sql.append(" AND (room_name = ? OR room_sid = ?)");
                params.add(filter.room());
                params.add(filter.room());
            }
            if (filter.eventType() != null) {
                sql.append(" AND event_type = ?");
                params.add(filter.eventType());
            }
            if (filter.sinceMs() != null) {
                sql.append(" AND received_at_ms >= ?");
                params.add(filter.sinceMs());
            }
            if (filter.untilMs() != null) {
                sql.append(" AND received_at_ms < ?");
                params.add(filter.untilMs());
            }
            if (before != null) {
                sql.append(" AND (received_at_ms < ? OR (received_at_ms = ? AND (log_partition < ? "
                        + "OR (log_partition = ? AND log_offset < ?))))");
                params.addAll(List.of(before.receivedAtMs(), before.receivedAtMs(), before.logPartition(),
                        before.logPartition(), before.logOffset()));
            }
            sql.append(" ORDER BY received_at_ms DESC, log_partition DESC, log_offset DESC LIMIT ?");
            params.add(limit + 1);
            return page(list(c, sql.toString(), StateQueries::eventSummary, params.toArray()), limit);
        });
    }

    public Optional<EventSummary> event(String eventId) {
        return store.read(c -> one(c, "SELECT " + EVENT_SUMMARY_COLUMNS + " FROM events WHERE event_id = ?",
                StateQueries::eventSummary, eventId));
    }

    /** The exact bytes LiveKit sent for an applied event. */
    public Optional<byte[]> eventBody(String eventId) {
        return store.read(c -> one(c, "SELECT body FROM events WHERE event_id = ?", rs -> rs.getBytes(1), eventId));
    }

    /** How many applied events of each type, most frequent first; unknown types included. */
    public List<EventTypeCount> eventTypes() {
        return store.read(c -> {
            // known_type is the same for every event of a type; max() keeps the query portable and total.
            return list(c, "SELECT event_type, MAX(known_type) AS known, COUNT(*) AS n FROM events "
                            + "GROUP BY event_type ORDER BY n DESC, event_type",
                    rs -> new EventTypeCount(rs.getString(1), rs.getInt(2) != 0, rs.getLong(3)));
        });
    }

    // -- anomalies and dead letters ------------------------------------------------------------------

    /** Anomalies newest first; {@code room} matches a room name or sid. */
    public Page<AnomalyRecord> anomalies(String room, String kind, Long beforeId, int limit) {
        return store.read(c -> {
            List<Object> params = new ArrayList<>();
            StringBuilder sql = new StringBuilder("SELECT " + ANOMALY_COLUMNS + " FROM anomalies WHERE 1 = 1");
            if (room != null) {
                sql.append(" AND (room_name = ? OR room_sid = ?)");
                params.add(room);
                params.add(room);
            }
            if (kind != null) {
                sql.append(" AND kind = ?");
                params.add(kind);
            }
            if (beforeId != null) {
                sql.append(" AND id < ?");
                params.add(beforeId);
            }
            sql.append(" ORDER BY id DESC LIMIT ?");
            params.add(limit + 1);
            return page(list(c, sql.toString(), StateQueries::anomalyRecord, params.toArray()), limit);
        });
    }

    /** Dead letters, most recently failed first, optionally of one status. */
    public Page<DeadLetter> deadLetters(String status, DeadLetterKey before, int limit) {
        return store.read(c -> {
            List<Object> params = new ArrayList<>();
            StringBuilder sql = new StringBuilder("SELECT " + Rows.DEAD_LETTER_COLUMNS + " FROM dead_letters WHERE 1 = 1");
            if (status != null) {
                sql.append(" AND status = ?");
                params.add(status);
            }
            if (before != null) {
                sql.append(" AND (last_failed_ms < ? OR (last_failed_ms = ? AND event_id < ?))");
                params.add(before.lastFailedMs());
                params.add(before.lastFailedMs());
                params.add(before.eventId());
            }
            sql.append(" ORDER BY last_failed_ms DESC, event_id DESC LIMIT ?");
            params.add(limit + 1);
            return page(list(c, sql.toString(), Rows::deadLetter, params.toArray()), limit);
        });
    }

    public Optional<DeadLetter> deadLetter(String eventId) {
        return store.read(c -> one(c, "SELECT " + Rows.DEAD_LETTER_COLUMNS + " FROM dead_letters WHERE event_id = ?",
                Rows::deadLetter, eventId));
    }

    // -- helpers -------------------------------------------------------------------------------------

    private static <T> Page<T> page(List<T> fetched, int limit) {
        if (fetched.size() > limit) {
            return new Page<>(List.copyOf(fetched.subList(0, limit)), true);
        }
        return new Page<>(List.copyOf(fetched), false);
    }

    private static String placeholders(int n) {
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /** "a, b" with alias s -> "s.a, s.b": the shared column lists, for joins. */
    private static String qualified(String alias, String columns) {
        List<String> out = new ArrayList<>();
        for (String column : columns.split(",")) {
            out.add(alias + "." + column.strip());
        }
        return String.join(", ", out);
    }

    private static EventSummary eventSummary(ResultSet rs) throws SQLException {
        return new EventSummary(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getInt("known_type") != 0, rs.getString("queue_key"),
                rs.getString("room_sid"), rs.getString("room_name"), rs.getString("participant_sid"),
                rs.getString("participant_identity"), rs.getString("track_sid"), rs.getString("egress_id"),
                rs.getString("ingress_id"), nullableLong(rs, "created_at_ms"), rs.getLong("received_at_ms"),
                rs.getString("origin"), rs.getString("key_id"), rs.getLong("body_bytes"));
    }

    private static AnomalyRecord anomalyRecord(ResultSet rs) throws SQLException {
        return new AnomalyRecord(rs.getLong("id"), Rows.anomaly(rs));
    }

}
