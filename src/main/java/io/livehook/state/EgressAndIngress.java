package io.livehook.state;

import static io.livehook.state.Statements.nullableLong;
import static io.livehook.state.Statements.qualified;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of egress and ingress and their status histories. Egress belongs to a room by room sid, or by room
 * name when LiveKit gave none.
 */
final class EgressAndIngress {
    private EgressAndIngress() {}

    static final String EGRESS_COLUMNS = "egress_id, room_sid, room_name, status, started_at_ns, ended_at_ns, "
            + "updated_at_ns, error, results";
    static final String INGRESS_COLUMNS = "ingress_id, name, room_name, participant_identity, status, error, "
            + "started_at_ms, ended_at_ms, updated_at_ms";
    private static final String SAVE_EGRESS = "INSERT INTO egress (" + EGRESS_COLUMNS + ") VALUES (?, ?, ?, ?, ?, "
            + "?, ?, ?, ?) ON CONFLICT (egress_id) DO UPDATE SET room_sid = excluded.room_sid, "
            + "room_name = excluded.room_name, status = excluded.status, started_at_ns = excluded.started_at_ns, "
            + "ended_at_ns = excluded.ended_at_ns, updated_at_ns = excluded.updated_at_ns, error = excluded.error, "
            + "results = excluded.results";
    private static final String SAVE_INGRESS = "INSERT INTO ingress (" + INGRESS_COLUMNS + ") VALUES (?, ?, ?, ?, "
            + "?, ?, ?, ?, ?) ON CONFLICT (ingress_id) DO UPDATE SET name = excluded.name, "
            + "room_name = excluded.room_name, participant_identity = excluded.participant_identity, "
            + "status = excluded.status, error = excluded.error, started_at_ms = excluded.started_at_ms, "
            + "ended_at_ms = excluded.ended_at_ms, updated_at_ms = excluded.updated_at_ms";
    /** Egress e of room r. */
    static final String OF_ROOM = "(e.room_sid = r.sid OR (e.room_sid = '' AND e.room_name = r.name))";

    static Egress egress(ResultSet rs) throws SQLException {
        return new Egress(rs.getString("egress_id"), rs.getString("room_sid"), rs.getString("room_name"),
                rs.getString("status"), nullableLong(rs, "started_at_ns"), nullableLong(rs, "ended_at_ns"),
                rs.getLong("updated_at_ns"), rs.getString("error"), rs.getString("results"));
    }

    static Ingress ingress(ResultSet rs) throws SQLException {
        return new Ingress(rs.getString("ingress_id"), rs.getString("name"), rs.getString("room_name"),
                rs.getString("participant_identity"), rs.getString("status"), rs.getString("error"),
                nullableLong(rs, "started_at_ms"), nullableLong(rs, "ended_at_ms"), rs.getLong("updated_at_ms"));
    }

    static Optional<Egress> egressById(Statements sql, String egressId) throws SQLException {
        return sql.one("SELECT " + EGRESS_COLUMNS + " FROM egress WHERE egress_id = ?", EgressAndIngress::egress,
                egressId);
    }

    static List<Egress> egressOfRoom(Statements sql, String roomSid) throws SQLException {
        return sql.list("SELECT " + qualified("e", EGRESS_COLUMNS) + " FROM egress e JOIN rooms r ON " + OF_ROOM
                + " WHERE r.sid = ? ORDER BY COALESCE(e.started_at_ns, e.updated_at_ns), e.egress_id",
                EgressAndIngress::egress, roomSid);
    }

    static List<Egress> egressByIds(Statements sql, Collection<String> egressIds) throws SQLException {
        return sql.in("SELECT " + EGRESS_COLUMNS + " FROM egress WHERE 1 = 1", "egress_id", egressIds,
                EgressAndIngress::egress);
    }

    static void saveEgress(Statements sql, Collection<Egress> rows) throws SQLException {
        List<Object[]> params = new ArrayList<>(rows.size());
        for (Egress e : rows) {
            params.add(new Object[] {e.egressId(), e.roomSid(), e.roomName(), e.status(), e.startedAtNs(),
                    e.endedAtNs(), e.updatedAtNs(), e.error(), e.results()});
        }
        sql.batch(SAVE_EGRESS, params);
    }

    static void addEgressHistory(Statements sql, List<StatusChange> changes) throws SQLException {
        List<Object[]> rows = new ArrayList<>(changes.size());
        for (StatusChange c : changes) {
            rows.add(new Object[] {c.id(), c.eventId(), c.status(), c.at()});
        }
        sql.batch("INSERT INTO egress_history (egress_id, event_id, status, updated_at_ns) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT DO NOTHING", rows);
    }

    static Optional<Ingress> ingressById(Statements sql, String ingressId) throws SQLException {
        return sql.one("SELECT " + INGRESS_COLUMNS + " FROM ingress WHERE ingress_id = ?", EgressAndIngress::ingress,
                ingressId);
    }

    static List<Ingress> ingressByIds(Statements sql, Collection<String> ingressIds) throws SQLException {
        return sql.in("SELECT " + INGRESS_COLUMNS + " FROM ingress WHERE 1 = 1", "ingress_id", ingressIds,
                EgressAndIngress::ingress);
    }

    static void saveIngress(Statements sql, Collection<Ingress> rows) throws SQLException {
        List<Object[]> params = new ArrayList<>(rows.size());
        for (Ingress i : rows) {
            params.add(new Object[] {i.ingressId(), i.name(), i.roomName(), i.participantIdentity(), i.status(),
                    i.error(), i.startedAtMs(), i.endedAtMs(), i.updatedAtMs()});
        }
        sql.batch(SAVE_INGRESS, params);
    }

    static void addIngressHistory(Statements sql, List<StatusChange> changes) throws SQLException {
        List<Object[]> rows = new ArrayList<>(changes.size());
        for (StatusChange c : changes) {
            rows.add(new Object[] {c.id(), c.eventId(), c.status(), c.at()});
        }
        sql.batch("INSERT INTO ingress_history (ingress_id, event_id, status, updated_at_ms) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT DO NOTHING", rows);
    }
}
