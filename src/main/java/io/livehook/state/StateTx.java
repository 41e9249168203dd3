package io.livehook.state;

import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.List;
import java.util.Optional;

/**
 * The state operations of one transaction. Processing an event, recording it as applied and anything
 * else it causes (anomalies, deliveries) all go through one StateTx, so they commit or vanish together.
 */
public final class StateTx {
    private final Statements sql;

    StateTx(Statements statements) {
        this.sql = statements;
    }

    Statements sql() {
        return sql;
    }

    public Savepoint savepoint() throws SQLException {
        return sql.connection().setSavepoint();
    }

    public void rollbackTo(Savepoint savepoint) throws SQLException {
        sql.connection().rollback(savepoint);
    }

    public void release(Savepoint savepoint) throws SQLException {
        sql.connection().releaseSavepoint(savepoint);
    }

    // -- events ------------------------------------------------------------------------------------

    /** Records the event as applied; false if it already was (the dedupe that makes processing idempotent). */
    public boolean recordEvent(StoredEvent e) throws SQLException {
        return Events.record(sql, e);
    }

    /** When the newest applied event of the room happened, as {@link #lastEventMsOfParticipant}; 0 if none. */
    public long lastEventMsOfRoom(String roomSid) throws SQLException {
        return Events.lastOfRoomMs(sql, roomSid);
    }

    /**
     * When the newest applied event about the participant happened, by LiveKit's clock (received time for an
     * event without one); 0 if there is none. Track events count, though they do not touch the session row.
     */
    public long lastEventMsOfParticipant(String identity, String sid) throws SQLException {
        return Events.lastOfParticipantMs(sql, identity, sid);
    }

    // -- rooms, sessions, tracks ----------------------------------------------------------------------

    public Optional<Room> room(String sid) throws SQLException {
        return Rooms.byId(sql, sid);
    }

    /** The room a sid-less event (ingress, some egress) of that name refers to: an active one, else the newest. */
    public Optional<Room> latestRoomNamed(String name) throws SQLException {
        return Rooms.currentNamed(sql, name);
    }

    public void saveRoom(Room r) throws SQLException {
        Rooms.save(sql, r);
    }

    public Optional<Session> session(String sid) throws SQLException {
        return Sessions.byId(sql, sid);
    }

    public List<Session> openSessions(String roomSid) throws SQLException {
        return Sessions.open(sql, roomSid);
    }

    /** Who is in the room now: distinct identities with an open session (a reconnect is one person). */
    public int presentIdentities(String roomSid) throws SQLException {
        return Sessions.presentCount(sql, roomSid);
    }

    public void saveSession(Session s) throws SQLException {
        Sessions.save(sql, s);
    }

    public Optional<Track> track(String sid) throws SQLException {
        return Tracks.byId(sql, sid);
    }

    public List<Track> openTracksOfParticipant(String participantSid) throws SQLException {
        return Tracks.openOfParticipant(sql, participantSid);
    }

    public void saveTrack(Track t) throws SQLException {
        Tracks.save(sql, t);
    }

    // -- egress and ingress ------------------------------------------------------------------------

    public Optional<Egress> egress(String egressId) throws SQLException {
        return EgressAndIngress.egressById(sql, egressId);
    }

    public void saveEgress(Egress e) throws SQLException {
        EgressAndIngress.saveEgress(sql, e);
    }

    public void addEgressHistory(String egressId, String eventId, String status, long updatedAtNs) throws SQLException {
        EgressAndIngress.addEgressHistory(sql, egressId, eventId, status, updatedAtNs);
    }

    public Optional<Ingress> ingress(String ingressId) throws SQLException {
        return EgressAndIngress.ingressById(sql, ingressId);
    }

    public void saveIngress(Ingress i) throws SQLException {
        EgressAndIngress.saveIngress(sql, i);
    }

    public void addIngressHistory(String ingressId, String eventId, String status, long updatedAtMs)
            throws SQLException {
        EgressAndIngress.addIngressHistory(sql, ingressId, eventId, status, updatedAtMs);
    }

    // -- anomalies, dead letters, checkpoints, deliveries ---------------------------------------------

    public void recordAnomaly(Anomaly a) throws SQLException {
        Anomalies.add(sql, a);
    }

    public void recordDeadLetter(String eventId, int partition, long offset, String eventType, String queueKey,
            String error, long nowMs) throws SQLException {
        DeadLetters.record(sql, eventId, partition, offset, eventType, queueKey, error, nowMs);
    }

    public void resolveDeadLetter(String eventId) throws SQLException {
        DeadLetters.resolve(sql, eventId);
    }

    /** Marks open dead letters for retry; returns those marked. */
    public List<DeadLetter> markForRetry(List<String> eventIds) throws SQLException {
        return DeadLetters.markForRetry(sql, eventIds);
    }

    public List<DeadLetter> deadLettersRetrying() throws SQLException {
        return DeadLetters.retrying(sql);
    }

    public long checkpoint(String consumer, int partition) throws SQLException {
        return Checkpoints.get(sql, consumer, partition);
    }

    public void saveCheckpoint(String consumer, int partition, long offset) throws SQLException {
        Checkpoints.save(sql, consumer, partition, offset);
    }

    /** Queues a newly applied event for delivery to one destination, in the transaction that applies it. */
    public void queueDelivery(String destination, StoredEvent event, long nowMs) throws SQLException {
        DeliveryStore.insert(sql, destination, event, 0, nowMs);
    }
}
