package io.livehook.state;

import static io.livehook.state.Statements.nullableLong;
import static io.livehook.state.Statements.placeholders;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/** The delivery outbox and its attempt history: what the senders, the metrics and the operator read and write. */
public final class DeliveryStore {
    private static final String COLUMNS = "destination, event_id, replay, event_type, queue_key, log_partition, "
            + "log_offset, received_at_ms, status, attempts, round_attempts, next_attempt_ms, created_ms, queued_ms, "
            + "delivered_ms, dead_ms, last_error";
    private static final String ATTEMPT_COLUMNS = "attempt, started_ms, latency_ms, http_status, error, "
            + "response_snippet, outcome";
    private static final String INSERT = "INSERT INTO deliveries (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            + "'pending', 0, 0, ?, ?, ?, NULL, NULL, NULL) ON CONFLICT (destination, event_id, replay) DO NOTHING";
    private static final String PK = "destination = ? AND event_id = ? AND replay = ?";

    private final StateStore store;

    public DeliveryStore(StateStore store) {
        this.store = store;
    }

    // -- creation --------------------------------------------------------------------------------

    /** Queues the event for one destination inside the caller's transaction (the one applying it). */
    static void insert(Statements sql, String destination, StoredEvent e, int replay, long nowMs)
            throws SQLException {
        sql.update(INSERT, row(destination, e, replay, nowMs));
    }

    /** Queues the events (originals, not replays) for one destination in one batch, in the caller's transaction. */
    static void insertAll(Statements sql, String destination, List<StoredEvent> events, long nowMs)
            throws SQLException {
        List<Object[]> rows = new ArrayList<>(events.size());
        for (StoredEvent e : events) {
            rows.add(row(destination, e, 0, nowMs));
        }
        sql.batch(INSERT, rows);
    }

    private static Object[] row(String destination, StoredEvent e, int replay, long nowMs) {
        return new Object[] {destination, e.eventId(), replay, e.eventType(), e.queueKey(), e.logPartition(),
                e.logOffset(), e.receivedAtMs(), nowMs, nowMs, nowMs};
    }

    /**
     * Copies every delivery and attempt from the tables in schema {@code from} to those in {@code to}, for a
     * rebuilt state; returns how many deliveries.
     */
    static int copy(Statements sql, String from, String to) throws SQLException {
        String attempts = "destination, event_id, replay, " + ATTEMPT_COLUMNS;
        int copied = sql.update("INSERT INTO " + to + ".deliveries (" + COLUMNS + ") SELECT " + COLUMNS + " FROM "
                + from + ".deliveries");
        sql.update("INSERT INTO " + to + ".delivery_attempts (" + attempts + ") SELECT " + attempts + " FROM " + from
                + ".delivery_attempts");
        return copied;
    }

    // -- the sender's side ---------------------------------------------------------------------------

    /** Marks attempts left in flight by a stopped process as unknown: sent, but no answer recorded. */
    public int recoverInFlight() throws SQLException {
        return store.inTransaction(tx -> tx.sql().update("UPDATE delivery_attempts SET outcome = ?, error = ? "
                        + "WHERE outcome = ?", DeliveryAttempt.UNKNOWN,
                "livehook stopped after sending this request and before recording its answer",
                DeliveryAttempt.IN_FLIGHT));
    }

    /**
     * The head of each of the destination's queues: per queue key, the pending delivery that comes first
     * (log order, then replay number). Only a head may be sent; the rest wait behind it. Soonest due
     * first.
     */
    public List<Delivery> heads(String destination, int limit) {
        // One pass over the pending rows in queue order, numbering each queue's rows. Joining each queue's minimum
        // offset back to its rows was planned on PostgreSQL, before the table had statistics, as a scan of the
        // pending rows per queue: seconds per pass on a backlog of a few thousand.
        return store.read(sql -> sql.list("SELECT " + COLUMNS + " FROM (SELECT " + COLUMNS + ", row_number() OVER "
                + "(PARTITION BY queue_key ORDER BY log_partition, log_offset, replay) AS place FROM deliveries "
                + "WHERE destination = ? AND status = 'pending') h WHERE place = 1 "
                + "ORDER BY next_attempt_ms, log_partition, log_offset, replay LIMIT ?", DeliveryStore::delivery,
                destination, limit));
    }

    /**
     * The heads of the given queues that have anything pending, soonest due first: what {@link #heads(String,
     * int)} reads, for the few queues whose delivery just settled.
     */
    public List<Delivery> heads(String destination, Collection<String> queueKeys) {
        if (queueKeys.isEmpty()) {
            return List.of();
        }
        // Each queue's head is the first entry of its range of the index, one probe per queue, as many per statement
        // as the dialect says (one round trip each): grouping the queues' pending rows read all of them. Chunks are
        // padded to a power of two by repeating a queue, so that a few statements stay prepared; the repeats are
        // dropped.
        List<String> keys = List.copyOf(new LinkedHashSet<>(queueKeys));
        Map<String, Delivery> heads = new LinkedHashMap<>();
        int perStatement = store.dialect().headsPerStatement();
        store.read(sql -> {
            for (int from = 0; from < keys.size(); from += perStatement) {
                List<String> chunk = keys.subList(from, Math.min(keys.size(), from + perStatement));
                int size = Integer.highestOneBit(chunk.size());
                size = size == chunk.size() ? size : size * 2;
                StringBuilder select = new StringBuilder();
                Object[] params = new Object[size * 2];
                for (int i = 0; i < size; i++) {
                    select.append(i == 0 ? "" : " UNION ALL ").append("SELECT * FROM (SELECT ").append(COLUMNS)
                            .append(" FROM deliveries WHERE destination = ? AND status = 'pending' AND queue_key = ? "
                                    + "ORDER BY log_partition, log_offset, replay LIMIT 1) h").append(i);
                    params[2 * i] = destination;
                    params[2 * i + 1] = chunk.get(Math.min(i, chunk.size() - 1));
                }
                for (Delivery d : sql.list(select.toString(), DeliveryStore::delivery, params)) {
                    heads.putIfAbsent(d.queueKey(), d);
                }
            }
            return null;
        });
        List<Delivery> sorted = new ArrayList<>(heads.values());
        sorted.sort(SOONEST);
        return sorted;
    }

    /**
     * Pending deliveries in the order they fall due, whatever their queue: for a destination that does not
     * keep a queue's order. Includes those in flight (still pending until their answer is recorded).
     */
    public List<Delivery> pending(String destination, int limit) {
        return store.read(sql -> sql.list("SELECT " + COLUMNS + " FROM deliveries WHERE destination = ? "
                + "AND status = 'pending' ORDER BY next_attempt_ms, log_partition, log_offset, replay LIMIT ?",
                DeliveryStore::delivery, destination, limit));
    }

    /** The order deliveries fall due in: due time, then log order. */
    public static final Comparator<Delivery> SOONEST = Comparator.comparingLong(Delivery::nextAttemptMs)
            .thenComparingInt(Delivery::logPartition).thenComparingLong(Delivery::logOffset)
            .thenComparingInt(Delivery::replay);

    /** A delivery whose attempt number {@code attempt} was counted and recorded in flight. */
    public record Claim(Delivery delivery, int attempt) {}

    /**
     * Counts an attempt of each delivery and records it as in flight, all in one transaction committed before
     * the requests go out, so that a crash leaves a trace of requests whose answer was never seen. A delivery
     * that changed since it was read is left out (so a stale read never sends twice); the rest are returned.
     */
    public List<Claim> claim(List<Delivery> deliveries, long nowMs) throws SQLException {
        if (deliveries.isEmpty()) {
            return List.of();
        }
        return store.inTransaction(tx -> {
            Statements sql = tx.sql();
            List<Object[]> counts = new ArrayList<>(deliveries.size());
            for (Delivery d : deliveries) {
                counts.add(new Object[] {d.destination(), d.eventId(), d.replay(), d.attempts(), d.nextAttemptMs()});
            }
            int[] updated = sql.batch("UPDATE deliveries SET attempts = attempts + 1, round_attempts = "
                    + "round_attempts + 1 WHERE " + PK + " AND status = 'pending' AND attempts = ? "
                    + "AND next_attempt_ms = ?", counts);
            List<Claim> claims = new ArrayList<>(deliveries.size());
            List<Object[]> rows = new ArrayList<>(deliveries.size());
            for (int i = 0; i < deliveries.size(); i++) {
                if (updated[i] == 1) {
                    Delivery d = deliveries.get(i);
                    // The update matched attempts = d.attempts(), so this is the one it counted.
                    int attempt = d.attempts() + 1;
                    claims.add(new Claim(d, attempt));
                    rows.add(new Object[] {d.destination(), d.eventId(), d.replay(), attempt, nowMs,
                            DeliveryAttempt.IN_FLIGHT});
                }
            }
            sql.batch("INSERT INTO delivery_attempts (destination, event_id, replay, " + ATTEMPT_COLUMNS + ") "
                    + "VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?)", rows);
            return claims;
        });
    }

    /** The answer to a claimed attempt, and where its delivery stands now: {@code status} due at {@code nextAttemptMs}. */
    public record Settled(Claim claim, DeliveryAttempt attempt, String status, long nextAttemptMs) {}

    /** Records the answers of many attempts and where their deliveries stand now, in one transaction. */
    public void settle(List<Settled> settled, long nowMs) throws SQLException {
        if (settled.isEmpty()) {
            return;
        }
        List<Object[]> attempts = new ArrayList<>(settled.size());
        List<Object[]> deliveries = new ArrayList<>(settled.size());
        for (Settled s : settled) {
            Delivery d = s.claim().delivery();
            DeliveryAttempt a = s.attempt();
            attempts.add(new Object[] {a.latencyMs(), a.httpStatus(), a.error(), a.responseSnippet(), a.outcome(),
                    d.destination(), d.eventId(), d.replay(), a.attempt()});
            deliveries.add(new Object[] {s.status(), s.nextAttemptMs(),
                    a.outcome().equals(DeliveryAttempt.DELIVERED) ? null : describe(a),
                    Delivery.DELIVERED.equals(s.status()) ? nowMs : null,
                    Delivery.DEAD.equals(s.status()) ? nowMs : null, d.destination(), d.eventId(), d.replay()});
        }
        store.inTransaction(tx -> {
            Statements sql = tx.sql();
            sql.batch("UPDATE delivery_attempts SET latency_ms = ?, http_status = ?, error = ?, response_snippet = ?, "
                    + "outcome = ? WHERE " + PK + " AND attempt = ?", attempts);
            sql.batch("UPDATE deliveries SET status = ?, next_attempt_ms = ?, last_error = ?, delivered_ms = ?, "
                    + "dead_ms = ? WHERE " + PK, deliveries);
            return null;
        });
    }

    private static String describe(DeliveryAttempt a) {
        if (a.httpStatus() != null) {
            return "HTTP " + a.httpStatus() + (a.error() == null ? "" : ": " + a.error());
        }
        return a.error();
    }

    // -- gauges ------------------------------------------------------------------------------------

    public long count(String destination, String status) {
        return store.read(sql -> sql.count("SELECT count(*) FROM deliveries WHERE destination = ? AND status = ?",
                destination, status));
    }

    /** When the oldest pending delivery was queued, if any is pending. */
    public Optional<Long> oldestPendingQueuedMs(String destination) {
        return store.read(sql -> oldestPending(sql, destination));
    }

    private static Optional<Long> oldestPending(Statements sql, String destination) throws SQLException {
        return sql.one("SELECT min(queued_ms) AS oldest FROM deliveries WHERE destination = ? AND status = 'pending'",
                rs -> nullableLong(rs, "oldest"), destination);
    }

    // -- the operator's side -------------------------------------------------------------------------

    /** Where a page of {@link #page} ended: the order deliveries are listed in. */
    public record DeliveryKey(long receivedAtMs, int logPartition, long logOffset, String destination, int replay) {
        public static DeliveryKey of(Delivery d) {
            return new DeliveryKey(d.receivedAtMs(), d.logPartition(), d.logOffset(), d.destination(), d.replay());
        }
    }

    /** The first {@code limit} deliveries matching, in the order livehook received their events. */
    public List<Delivery> find(Optional<String> status, DeliveryFilter filter, int limit) {
        return list(status, filter, null, limit);
    }

    /**
     * A page of the deliveries matching, in the order livehook received their events (then log position,
     * destination, replay), starting after {@code after} (null: from the first).
     */
    public StateQueries.Page<Delivery> page(Optional<String> status, DeliveryFilter filter, DeliveryKey after,
            int limit) {
        return StateQueries.Page.of(list(status, filter, after, limit + 1), limit);
    }

    private List<Delivery> list(Optional<String> status, DeliveryFilter filter, DeliveryKey after, int limit) {
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        status.ifPresent(s -> {
            where.append(" AND status = ?");
            params.add(s);
        });
        appendFilter(where, params, filter);
        if (after != null) {
            where.append(" AND (received_at_ms, log_partition, log_offset, destination, replay) > (?, ?, ?, ?, ?)");
            params.addAll(List.of(after.receivedAtMs(), after.logPartition(), after.logOffset(), after.destination(),
                    after.replay()));
        }
        params.add(limit);
        return store.read(sql -> sql.list("SELECT " + COLUMNS + " FROM deliveries" + where
                + " ORDER BY received_at_ms, log_partition, log_offset, destination, replay LIMIT ?",
                DeliveryStore::delivery, params.toArray()));
    }

    /**
     * One destination's deliveries by status, when its oldest pending delivery was queued, and the newest
     * error among its deliveries not delivered (pending or dead) with when that attempt started.
     */
    public record DestinationFigures(String destination, long pending, long delivered, long dead,
            Long oldestPendingQueuedMs, String lastError, Long lastErrorAtMs) {
        public static DestinationFigures none(String destination) {
            return new DestinationFigures(destination, 0, 0, 0, null, null, null);
        }
    }

    /** The figures of every destination the outbox holds deliveries for, by name. */
    public Map<String, DestinationFigures> figures() {
        record Count(String destination, String status, long n) {}
        record LastError(String text, long atMs) {}
        return store.read(sql -> {
            Map<String, long[]> byStatus = new TreeMap<>();
            for (Count c : sql.list("SELECT destination, status, count(*) AS n FROM deliveries "
                    + "GROUP BY destination, status", rs -> new Count(rs.getString("destination"),
                    rs.getString("status"), rs.getLong("n")))) {
                long[] n = byStatus.computeIfAbsent(c.destination(), d -> new long[3]);
                n[switch (c.status()) {
                    case Delivery.PENDING -> 0;
                    case Delivery.DELIVERED -> 1;
                    default -> 2;
                }] += c.n();
            }
            Map<String, DestinationFigures> figures = new TreeMap<>();
            for (var entry : byStatus.entrySet()) {
                String destination = entry.getKey();
                long[] n = entry.getValue();
                // Only deliveries not delivered keep their error: this reads the backlog and the dead, not history.
                Optional<LastError> error = sql.one("SELECT d.last_error, a.started_ms FROM deliveries d "
                        + "JOIN delivery_attempts a ON a.destination = d.destination AND a.event_id = d.event_id "
                        + "AND a.replay = d.replay AND a.attempt = d.attempts WHERE d.destination = ? "
                        + "AND d.status IN ('pending', 'dead') AND d.last_error IS NOT NULL "
                        + "ORDER BY a.started_ms DESC LIMIT 1",
                        rs -> new LastError(rs.getString("last_error"), rs.getLong("started_ms")), destination);
                figures.put(destination, new DestinationFigures(destination, n[0], n[1], n[2],
                        oldestPending(sql, destination).orElse(null), error.map(LastError::text).orElse(null),
                        error.map(LastError::atMs).orElse(null)));
            }
            return figures;
        });
    }

    /** Every delivery of the event to the destination (the original and its replays). */
    public List<Delivery> deliveries(String destination, String eventId) {
        return store.read(sql -> sql.list("SELECT " + COLUMNS + " FROM deliveries WHERE destination = ? "
                + "AND event_id = ? ORDER BY replay", DeliveryStore::delivery, destination, eventId));
    }

    public List<DeliveryAttempt> attempts(Delivery d) {
        return store.read(sql -> sql.list("SELECT " + ATTEMPT_COLUMNS + " FROM delivery_attempts WHERE " + PK
                + " ORDER BY attempt", DeliveryStore::attempt, d.destination(), d.eventId(), d.replay()));
    }

    /** Puts matching dead deliveries back to pending, due now, with a fresh attempt and age budget. */
    public int retry(DeliveryFilter filter, long nowMs) throws SQLException {
        List<Object> params = new ArrayList<>(List.of(nowMs, nowMs));
        StringBuilder where = new StringBuilder(" WHERE status = 'dead'");
        appendFilter(where, params, filter);
        return store.inTransaction(tx -> tx.sql().update("UPDATE deliveries SET status = 'pending', "
                + "round_attempts = 0, next_attempt_ms = ?, queued_ms = ?, dead_ms = NULL" + where, params.toArray()));
    }

    /**
     * Queues new deliveries, marked as replays, of the events received in the filter's time range to one
     * destination: every event of a type it {@code accepts}, except those whose delivery to it is still
     * pending (it is coming anyway) or dead (that is what retry is for).
     */
    public int replay(String destination, Predicate<String> accepts, DeliveryFilter filter, long nowMs)
            throws SQLException {
        List<Object> params = new ArrayList<>(List.of(destination));
        StringBuilder where = new StringBuilder(" WHERE NOT EXISTS (SELECT 1 FROM deliveries x WHERE "
                + "x.destination = ? AND x.event_id = e.event_id AND x.status IN ('pending', 'dead'))");
        filter.room().ifPresent(room -> {
            where.append(" AND (e.room_name = ? OR e.queue_key = ?)");
            params.add(room);
            params.add(room);
        });
        filter.eventType().ifPresent(type -> {
            where.append(" AND e.event_type = ?");
            params.add(type);
        });
        filter.sinceMs().ifPresent(since -> {
            where.append(" AND e.received_at_ms >= ?");
            params.add(since);
        });
        filter.untilMs().ifPresent(until -> {
            where.append(" AND e.received_at_ms < ?");
            params.add(until);
        });
        inList(where, params, "e.event_id", filter.eventIds());
        return store.inTransaction(tx -> {
            Statements sql = tx.sql();
            List<StoredEvent> events = sql.list("SELECT e.event_id, e.log_partition, e.log_offset, e.event_type, "
                    + "e.queue_key, e.received_at_ms FROM events e" + where + " ORDER BY e.log_partition, e.log_offset",
                    rs -> new StoredEvent(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                            rs.getString("event_type"), true, rs.getString("queue_key"), null, null, null, null, null,
                            null, null, null, rs.getLong("received_at_ms"), null, null, 0), params.toArray());
            int created = 0;
            for (StoredEvent e : events) {
                if (!accepts.test(e.eventType())) {
                    continue;
                }
                int replay = (int) sql.count("SELECT coalesce(max(replay), 0) + 1 FROM deliveries "
                        + "WHERE destination = ? AND event_id = ?", destination, e.eventId());
                insert(sql, destination, e, replay, nowMs);
                created++;
            }
            return created;
        });
    }

    private static void appendFilter(StringBuilder where, List<Object> params, DeliveryFilter filter) {
        filter.destination().ifPresent(d -> {
            where.append(" AND destination = ?");
            params.add(d);
        });
        filter.room().ifPresent(room -> {
            where.append(" AND (queue_key = ? OR event_id IN (SELECT event_id FROM events WHERE room_name = ?))");
            params.add(room);
            params.add(room);
        });
        filter.eventType().ifPresent(type -> {
            where.append(" AND event_type = ?");
            params.add(type);
        });
        filter.sinceMs().ifPresent(since -> {
            where.append(" AND received_at_ms >= ?");
            params.add(since);
        });
        filter.untilMs().ifPresent(until -> {
            where.append(" AND received_at_ms < ?");
            params.add(until);
        });
        inList(where, params, "event_id", filter.eventIds());
    }

    private static void inList(StringBuilder where, List<Object> params, String column, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        where.append(" AND ").append(column).append(" IN (").append(placeholders(values.size())).append(")");
        params.addAll(values);
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        return new Delivery(rs.getString("destination"), rs.getString("event_id"), rs.getInt("replay"),
                rs.getString("event_type"), rs.getString("queue_key"), rs.getInt("log_partition"),
                rs.getLong("log_offset"), rs.getLong("received_at_ms"), rs.getString("status"), rs.getInt("attempts"),
                rs.getInt("round_attempts"), rs.getLong("next_attempt_ms"), rs.getLong("created_ms"),
                rs.getLong("queued_ms"), nullableLong(rs, "delivered_ms"), nullableLong(rs, "dead_ms"),
                rs.getString("last_error"));
    }

    private static DeliveryAttempt attempt(ResultSet rs) throws SQLException {
        Long status = nullableLong(rs, "http_status");
        return new DeliveryAttempt(rs.getInt("attempt"), rs.getLong("started_ms"), nullableLong(rs, "latency_ms"),
                status == null ? null : status.intValue(), rs.getString("error"), rs.getString("response_snippet"),
                rs.getString("outcome"));
    }
}
