package io.livehook.state;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The SQL of the state_changes table: what processing changed, in order, for the stream to follow. */
final class StateChanges {
    private StateChanges() {}

    private static final String COLUMNS = "kind, room_sid, room_name, participant_sid, identity, track_sid, source, "
            + "event_id, at_ms";

    private static StateChange map(ResultSet rs) throws SQLException {
        return new StateChange(rs.getLong("id"), rs.getString("kind"), rs.getString("room_sid"),
                rs.getString("room_name"), rs.getString("participant_sid"), rs.getString("identity"),
                rs.getString("track_sid"), rs.getString("source"), rs.getString("event_id"), rs.getLong("at_ms"));
    }

    /** Records the changes in one batch, in their order. */
    static void addAll(Statements sql, Collection<StateChange> changes, long nowMs) throws SQLException {
        List<Object[]> rows = new ArrayList<>(changes.size());
        for (StateChange c : changes) {
            rows.add(new Object[] {c.kind(), c.roomSid(), c.roomName(), c.participantSid(), c.identity(), c.trackSid(),
                    c.source(), c.eventId(), c.atMs(), nowMs});
        }
        sql.batch("INSERT INTO state_changes (" + COLUMNS + ", recorded_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows);
    }

    /** Up to {@code limit} changes after {@code afterId}, oldest first. */
    static List<StateChange> after(Statements sql, long afterId, int limit) throws SQLException {
        return sql.list("SELECT id, " + COLUMNS + " FROM state_changes WHERE id > ? ORDER BY id LIMIT ?",
                StateChanges::map, afterId, limit);
    }

    /** The smallest and largest id kept; 0 for both when there is none. */
    static long[] bounds(Statements sql) throws SQLException {
        return sql.one("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM state_changes",
                rs -> new long[] {rs.getLong(1), rs.getLong(2)}).orElse(new long[] {0, 0});
    }

    /**
     * Drops the oldest changes: those up to the first recorded at or after {@code beforeMs}, and all but the newest
     * {@code keep}; returns how many. Always a run from the oldest id, so a client resuming finds no holes, and the
     * walk up the ids reads only the rows that go, where testing {@code recorded_ms} would read the whole table.
     */
    static int prune(Statements sql, long beforeMs, long keep) throws SQLException {
        long[] bounds = bounds(sql);
        long firstRecent = sql.one("SELECT id FROM state_changes WHERE recorded_ms >= ? ORDER BY id LIMIT 1",
                rs -> rs.getLong(1), beforeMs).orElse(bounds[1] + 1);
        return sql.update("DELETE FROM state_changes WHERE id < ?", Math.max(firstRecent, bounds[1] - keep + 1));
    }
}
