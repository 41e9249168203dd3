package io.livehook.state;

import io.livehook.state.StateQueries.DeadLetterKey;
import io.livehook.state.StateQueries.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The SQL of the dead_letters table: events that could not be applied, until resolved. */
final class DeadLetters {
    private DeadLetters() {}

    static final String COLUMNS = "event_id, log_partition, log_offset, event_type, queue_key, error, attempts, "
            + "status, first_failed_ms, last_failed_ms";
    private static final String RECORD = "INSERT INTO dead_letters (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, 1, "
            + "'open', ?, ?) ON CONFLICT (event_id) DO UPDATE SET error = excluded.error, "
            + "attempts = dead_letters.attempts + 1, status = 'open', last_failed_ms = excluded.last_failed_ms";

    static DeadLetter map(ResultSet rs) throws SQLException {
        return new DeadLetter(rs.getString("event_id"), rs.getInt("log_partition"), rs.getLong("log_offset"),
                rs.getString("event_type"), rs.getString("queue_key"), rs.getString("error"), rs.getInt("attempts"),
                rs.getString("status"), rs.getLong("first_failed_ms"), rs.getLong("last_failed_ms"));
    }

    /** A first failure opens the dead letter; a later one (a retry that failed again) counts and reopens it. */
    static void recordAll(Statements sql, List<DeadLetter.Failure> failures) throws SQLException {
        List<Object[]> rows = new ArrayList<>(failures.size());
        for (DeadLetter.Failure f : failures) {
            rows.add(new Object[] {f.eventId(), f.logPartition(), f.logOffset(), f.eventType(), f.queueKey(), f.error(),
                    f.atMs(), f.atMs()});
        }
        sql.batch(RECORD, rows);
    }

    static void resolve(Statements sql, List<String> eventIds) throws SQLException {
        List<Object[]> rows = new ArrayList<>(eventIds.size());
        for (String eventId : eventIds) {
            rows.add(new Object[] {eventId});
        }
        sql.batch("UPDATE dead_letters SET status = 'resolved' WHERE event_id = ?", rows);
    }

    static Optional<DeadLetter> byId(Statements sql, String eventId) throws SQLException {
        return sql.one("SELECT " + COLUMNS + " FROM dead_letters WHERE event_id = ?", DeadLetters::map, eventId);
    }

    /** Marks open dead letters for retry; returns those marked. */
    static List<DeadLetter> markForRetry(Statements sql, List<String> eventIds) throws SQLException {
        List<DeadLetter> marked = new ArrayList<>();
        for (String eventId : eventIds) {
            if (sql.update("UPDATE dead_letters SET status = 'retrying' WHERE event_id = ? AND status = 'open'",
                    eventId) == 1) {
                byId(sql, eventId).ifPresent(marked::add);
            }
        }
        return marked;
    }

    static List<DeadLetter> retrying(Statements sql) throws SQLException {
        return sql.list("SELECT " + COLUMNS + " FROM dead_letters WHERE status = 'retrying' "
                + "ORDER BY log_partition, log_offset", DeadLetters::map);
    }

    static long countUnresolved(Statements sql) throws SQLException {
        return sql.count("SELECT count(*) FROM dead_letters WHERE status <> 'resolved'");
    }

    /** Dead letters, most recently failed first, optionally of one status. */
    static Page<DeadLetter> page(Statements sql, String status, DeadLetterKey before, int limit) throws SQLException {
        List<Object> params = new ArrayList<>();
        StringBuilder query = new StringBuilder("SELECT " + COLUMNS + " FROM dead_letters WHERE 1 = 1");
        if (status != null) {
            query.append(" AND status = ?");
            params.add(status);
        }
        if (before != null) {
            query.append(" AND (last_failed_ms < ? OR (last_failed_ms = ? AND event_id < ?))");
            params.add(before.lastFailedMs());
            params.add(before.lastFailedMs());
            params.add(before.eventId());
        }
        query.append(" ORDER BY last_failed_ms DESC, event_id DESC LIMIT ?");
        params.add(limit + 1);
        return Page.of(sql.list(query.toString(), DeadLetters::map, params.toArray()), limit);
    }
}
