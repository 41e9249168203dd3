package io.livehook.state;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Plain SQL against a state store, for tests that look at or tamper with its tables directly. */
public final class StateSql {
    private StateSql() {}

    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    public interface ConnectionWork<T> {
        T run(Connection connection) throws SQLException;
    }

    public static long count(StateStore store, String sql, Object... params) {
        return store.read(s -> s.count(sql, params));
    }

    public static <T> List<T> list(StateStore store, String sql, Row<T> row, Object... params) {
        return store.read(s -> s.list(sql, row::map, params));
    }

    /** Runs the statements in one transaction on a writer's connection. */
    public static void execute(StateStore store, String... statements) throws SQLException {
        store.inTransaction(tx -> {
            for (String statement : statements) {
                tx.sql().execute(statement);
            }
            return null;
        });
    }

    public static int update(StateStore store, String sql, Object... params) throws SQLException {
        return store.inTransaction(tx -> tx.sql().update(sql, params));
    }

    /** A read connection of the store's own. */
    public static <T> T withConnection(StateStore store, ConnectionWork<T> work) {
        return store.read(s -> work.run(s.connection()));
    }

    // -- whole tables, in a stable order ----------------------------------------------------------

    public static List<Room> rooms(StateStore store) {
        return list(store, "SELECT " + Rooms.COLUMNS + " FROM rooms ORDER BY sid", Rooms::map);
    }

    public static List<Session> sessions(StateStore store) {
        return list(store, "SELECT " + Sessions.COLUMNS + " FROM sessions ORDER BY sid", Sessions::map);
    }

    public static List<Track> tracks(StateStore store) {
        return list(store, "SELECT " + Tracks.COLUMNS + " FROM tracks ORDER BY sid", Tracks::map);
    }

    public static List<Egress> egress(StateStore store) {
        return list(store, "SELECT " + EgressAndIngress.EGRESS_COLUMNS + " FROM egress ORDER BY egress_id",
                EgressAndIngress::egress);
    }

    public static List<Ingress> ingress(StateStore store) {
        return list(store, "SELECT " + EgressAndIngress.INGRESS_COLUMNS + " FROM ingress ORDER BY ingress_id",
                EgressAndIngress::ingress);
    }

    /** Anomalies in the order they were recorded. */
    public static List<Anomaly> anomalies(StateStore store) {
        return list(store, "SELECT " + Anomalies.COLUMNS + " FROM anomalies ORDER BY id", Anomalies::map);
    }

    public static List<StoredEvent> events(StateStore store) {
        return list(store, "SELECT " + Events.COLUMNS + " FROM events ORDER BY log_partition, log_offset",
                Events::map);
    }

    public static List<DeadLetter> deadLetters(StateStore store) {
        return list(store, "SELECT " + DeadLetters.COLUMNS + " FROM dead_letters ORDER BY log_offset",
                DeadLetters::map);
    }
}
