package io.livehook.state;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.List;
import java.util.Optional;

/**
 * The state operations of one transaction. Processing an event, recording it as applied and anything
 * else it causes (anomalies, deliveries) all go through one StateTx, so they commit or vanish together.
 */
public final class StateTx {
    private final Connection connection;
    private final Statements sql;

    StateTx(Connection connection, Statements statements) {
        this.connection = connection;
        this.sql = statements;
    }

    public Connection connection() {
        return connection;
    }

    public Savepoint savepoint() throws SQLException {
        return connection.setSavepoint();
    }

    public void rollbackTo(Savepoint savepoint) throws SQLException {
        connection.rollback(savepoint);
    }

    public void release(Savepoint savepoint) throws SQLException {
        connection.releaseSavepoint(savepoint);
    }

    // -- events ------------------------------------------------------------------------------------

    /** Records the event as applied; false if it already was (the dedupe that makes processing idempotent). */
    public boolean recordEvent(StoredEvent e) throws SQLException {
        return sql.update("INSERT INTO events (" + Rows.EVENT_COLUMNS + ") "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                e.eventId(), e.logPartition(), e.logOffset(), e.eventType(), e.knownType() ? 1 : 0, e.queueKey(),
                e.roomSid(), e.roomName(), e.participantSid(), e.participantIdentity(), e.trackSid(), e.egressId(),
                e.ingressId(), e.createdAtMs(), e.receivedAtMs(), e.origin(), e.keyId(), e.body()) == 1;
    }

    public boolean eventApplied(String eventId) throws SQLException {
        return sql.count("SELECT count(*) FROM events WHERE event_id = ?", eventId) > 0;
    }

    // -- rooms -------------------------------------------------------------------------------------

    public Optional<Room> room(String sid) throws SQLException {
        return sql.one("SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE sid = ?", Rows::room, sid);
    }

    /** The newest room of that name: the one a sid-less event (ingress, some egress) refers to. */
    public Optional<Room> latestRoomNamed(String name) throws SQLException {
        return sql.one("SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE name = ? "
                + "ORDER BY status = 'active' DESC, started_at_ms DESC LIMIT 1", Rows::room, name);
    }

    public void saveRoom(Room r) throws SQLException {
        sql.update("INSERT INTO rooms (" + Rows.ROOM_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (sid) DO UPDATE SET name = excluded.name, status = excluded.status, "
                        + "started_at_ms = excluded.started_at_ms, start_source = excluded.start_source, "
                        + "finished_at_ms = excluded.finished_at_ms, end_source = excluded.end_source, "
                        + "metadata = excluded.metadata, peak_participants = excluded.peak_participants, "
                        + "last_event_ms = excluded.last_event_ms",
                r.sid(), r.name(), r.status(), r.startedAtMs(), r.startSource(), r.finishedAtMs(), r.endSource(),
                r.metadata(), r.peakParticipants(), r.lastEventMs());
    }

    public List<Room> activeRooms() throws SQLException {
        return sql.list("SELECT " + Rows.ROOM_COLUMNS + " FROM rooms WHERE status = 'active' ORDER BY name",
                Rows::room);
    }

    // -- sessions ----------------------------------------------------------------------------------

    public Optional<Session> session(String sid) throws SQLException {
        return sql.one("SELECT " + Rows.SESSION_COLUMNS + " FROM sessions WHERE sid = ?", Rows::session, sid);
    }

    public List<Session> openSessions(String roomSid) throws SQLException {
        return sql.list("SELECT " + Rows.SESSION_COLUMNS + " FROM sessions "
                + "WHERE room_sid = ? AND end_source IS NULL ORDER BY sid", Rows::session, roomSid);
    }

    /** When the newest applied event of the room happened, as {@link #lastEventMsOfParticipant}; 0 if none. */
    public long lastEventMsOfRoom(String roomSid) throws SQLException {
        return sql.count("SELECT coalesce(max(coalesce(created_at_ms, received_at_ms)), 0) FROM events "
                + "WHERE room_sid = ?", roomSid);
    }

    /**
     * When the newest applied event about the participant happened, by LiveKit's clock (received time for an
     * event without one); 0 if there is none. Track events count, though they do not touch the session row.
     */
    public long lastEventMsOfParticipant(String identity, String sid) throws SQLException {
        return sql.count("SELECT coalesce(max(coalesce(created_at_ms, received_at_ms)), 0) FROM events "
                + "WHERE participant_identity = ? AND participant_sid = ?", identity, sid);
    }

    /** Who is in the room now: distinct identities with an open session (a reconnect is one person). */
    public int presentIdentities(String roomSid) throws SQLException {
        return (int) sql.count("SELECT count(DISTINCT identity) FROM sessions "
                + "WHERE room_sid = ? AND end_source IS NULL", roomSid);
    }

    public void saveSession(Session s) throws SQLException {
        sql.update("INSERT INTO sessions (" + Rows.SESSION_COLUMNS + ") "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (sid) DO UPDATE SET room_sid = excluded.room_sid, room_name = excluded.room_name, "
                        + "identity = excluded.identity, name = excluded.name, kind = excluded.kind, "
                        + "metadata = excluded.metadata, joined_at_ms = excluded.joined_at_ms, "
                        + "start_source = excluded.start_source, left_at_ms = excluded.left_at_ms, "
                        + "end_source = excluded.end_source, final_state = excluded.final_state, "
                        + "disconnect_reason = excluded.disconnect_reason, last_event_ms = excluded.last_event_ms",
                s.sid(), s.roomSid(), s.roomName(), s.identity(), s.name(), s.kind(), s.metadata(), s.joinedAtMs(),
                s.startSource(), s.leftAtMs(), s.endSource(), s.finalState(), s.disconnectReason(), s.lastEventMs());
    }

    // -- tracks ------------------------------------------------------------------------------------

    public Optional<Track> track(String sid) throws SQLException {
        return sql.one("SELECT " + Rows.TRACK_COLUMNS + " FROM tracks WHERE sid = ?", Rows::track, sid);
    }

    public List<Track> openTracksOfParticipant(String participantSid) throws SQLException {
        return sql.list("SELECT " + Rows.TRACK_COLUMNS + " FROM tracks "
                + "WHERE participant_sid = ? AND end_source IS NULL ORDER BY sid", Rows::track, participantSid);
    }

    public void saveTrack(Track t) throws SQLException {
        sql.update("INSERT INTO tracks (" + Rows.TRACK_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (sid) DO UPDATE SET participant_sid = excluded.participant_sid, "
                        + "room_sid = excluded.room_sid, type = excluded.type, source = excluded.source, "
                        + "mime_type = excluded.mime_type, name = excluded.name, "
                        + "published_at_ms = excluded.published_at_ms, publish_source = excluded.publish_source, "
                        + "unpublished_at_ms = excluded.unpublished_at_ms, end_source = excluded.end_source",
                t.sid(), t.participantSid(), t.roomSid(), t.type(), t.source(), t.mimeType(), t.name(),
                t.publishedAtMs(), t.publishSource(), t.unpublishedAtMs(), t.endSource());
    }

    // -- egress and ingress ------------------------------------------------------------------------

    public Optional<Egress> egress(String egressId) throws SQLException {
        return sql.one("SELECT " + Rows.EGRESS_COLUMNS + " FROM egress WHERE egress_id = ?", Rows::egress,
                egressId);
    }

    public void saveEgress(Egress e) throws SQLException {
        sql.update("INSERT INTO egress (" + Rows.EGRESS_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (egress_id) DO UPDATE SET room_sid = excluded.room_sid, "
                        + "room_name = excluded.room_name, status = excluded.status, "
                        + "started_at_ns = excluded.started_at_ns, ended_at_ns = excluded.ended_at_ns, "
                        + "updated_at_ns = excluded.updated_at_ns, error = excluded.error, results = excluded.results",
                e.egressId(), e.roomSid(), e.roomName(), e.status(), e.startedAtNs(), e.endedAtNs(), e.updatedAtNs(),
                e.error(), e.results());
    }

    public void addEgressHistory(String egressId, String eventId, String status, long updatedAtNs) throws SQLException {
        sql.update("INSERT INTO egress_history (egress_id, event_id, status, updated_at_ns) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", egressId, eventId, status, updatedAtNs);
    }

    public Optional<Ingress> ingress(String ingressId) throws SQLException {
        return sql.one("SELECT " + Rows.INGRESS_COLUMNS + " FROM ingress WHERE ingress_id = ?", Rows::ingress,
                ingressId);
    }

    public void saveIngress(Ingress i) throws SQLException {
        sql.update("INSERT INTO ingress (" + Rows.INGRESS_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (ingress_id) DO UPDATE SET name = excluded.name, room_name = excluded.room_name, "
                        + "participant_identity = excluded.participant_identity, status = excluded.status, "
                        + "error = excluded.error, started_at_ms = excluded.started_at_ms, "
                        + "ended_at_ms = excluded.ended_at_ms, updated_at_ms = excluded.updated_at_ms",
                i.ingressId(), i.name(), i.roomName(), i.participantIdentity(), i.status(), i.error(),
                i.startedAtMs(), i.endedAtMs(), i.updatedAtMs());
    }

    public void addIngressHistory(String ingressId, String eventId, String status, long updatedAtMs)
            throws SQLException {
        sql.update("INSERT INTO ingress_history (ingress_id, event_id, status, updated_at_ms) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", ingressId, eventId, status, updatedAtMs);
    }

    // -- anomalies, dead letters, checkpoints --------------------------------------------------------

    public void recordAnomaly(Anomaly a) throws SQLException {
        sql.update("INSERT INTO anomalies (" + Rows.ANOMALY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                a.kind(), a.roomSid(), a.roomName(), a.participantSid(), a.identity(), String.join(",", a.eventIds()),
                a.detail(), a.atMs());
    }

    public void recordDeadLetter(String eventId, int partition, long offset, String eventType, String queueKey,
            String error, long nowMs) throws SQLException {
        sql.update("INSERT INTO dead_letters (" + Rows.DEAD_LETTER_COLUMNS + ") "
                        + "VALUES (?, ?, ?, ?, ?, ?, 1, 'open', ?, ?) ON CONFLICT (event_id) DO UPDATE SET "
                        + "error = excluded.error, attempts = dead_letters.attempts + 1, status = 'open', "
                        + "last_failed_ms = excluded.last_failed_ms",
                eventId, partition, offset, eventType, queueKey, error, nowMs, nowMs);
    }

    public void resolveDeadLetter(String eventId) throws SQLException {
        sql.update("UPDATE dead_letters SET status = 'resolved' WHERE event_id = ?", eventId);
    }

    public Optional<DeadLetter> deadLetter(String eventId) throws SQLException {
        return sql.one("SELECT " + Rows.DEAD_LETTER_COLUMNS + " FROM dead_letters WHERE event_id = ?",
                Rows::deadLetter, eventId);
    }

    /** Marks open dead letters for retry; returns those marked. */
    public List<DeadLetter> markForRetry(List<String> eventIds) throws SQLException {
        List<DeadLetter> marked = new java.util.ArrayList<>();
        for (String eventId : eventIds) {
            if (sql.update("UPDATE dead_letters SET status = 'retrying' WHERE event_id = ? AND status = 'open'",
                    eventId) == 1) {
                deadLetter(eventId).ifPresent(marked::add);
            }
        }
        return marked;
    }

    public List<DeadLetter> deadLettersRetrying() throws SQLException {
        return sql.list("SELECT " + Rows.DEAD_LETTER_COLUMNS + " FROM dead_letters WHERE status = 'retrying' "
                + "ORDER BY log_partition, log_offset", Rows::deadLetter);
    }

    public long checkpoint(String consumer, int partition) throws SQLException {
        return sql.count("SELECT log_offset FROM checkpoints WHERE consumer = ? AND log_partition = ?",
                consumer, partition);
    }

    public void saveCheckpoint(String consumer, int partition, long offset) throws SQLException {
        sql.update("INSERT INTO checkpoints (consumer, log_partition, log_offset) VALUES (?, ?, ?) "
                + "ON CONFLICT (consumer, log_partition) DO UPDATE SET log_offset = excluded.log_offset",
                consumer, partition, offset);
    }
}
