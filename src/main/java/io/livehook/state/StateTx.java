package io.livehook.state;

import io.livehook.state.StateQueries.LogPosition;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The state operations of one transaction. Processing an event, recording it as applied and anything
 * else it causes (anomalies, deliveries) all go through one StateTx, so they commit or vanish together.
 */
public final class StateTx {
    private final Statements sql;
    private final String shareLock;

    StateTx(Statements statements, String shareLock) {
        this.sql = statements;
        this.shareLock = shareLock;
    }

    Statements sql() {
        return sql;
    }

    // -- events ------------------------------------------------------------------------------------

    /**
     * Records the events as applied, in one batch; each answer is false if that event already was: in an earlier
     * transaction, earlier in the list, or in a concurrent transaction that committed it first.
     */
    public boolean[] recordEvents(List<StoredEvent> events) throws SQLException {
        return Events.recordAll(sql, events);
    }

    /**
     * When the newest event of the room applied before {@code before} happened, as
     * {@link #lastEventMsOfParticipant}; 0 if none.
     */
    public long lastEventMsOfRoom(String roomSid, LogPosition before) throws SQLException {
        return Events.lastOfRoomMs(sql, roomSid, before);
    }

    /**
     * When the newest event about the participant (sid) of the room, applied before {@code before}, happened, by
     * LiveKit's clock (received time for an event without one); 0 if there is none. Track events count, though
     * they do not touch the session row.
     */
    public long lastEventMsOfParticipant(String roomSid, String roomName, String sid, LogPosition before)
            throws SQLException {
        return Events.lastOfParticipantMs(sql, roomSid, roomName, sid, before);
    }

    // -- rooms, sessions, tracks ----------------------------------------------------------------------

    public Optional<Room> room(String sid) throws SQLException {
        return Rooms.byId(sql, sid);
    }

    /** The rooms of those sids that exist. */
    public List<Room> rooms(Collection<String> sids) throws SQLException {
        return Rooms.byIds(sql, sids);
    }

    /** The room a sid-less event (ingress, some egress) of that name refers to: an active one, else the newest. */
    public Optional<Room> latestRoomNamed(String name) throws SQLException {
        return Rooms.currentNamed(sql, name);
    }

    public void saveRooms(Collection<Room> rooms) throws SQLException {
        Rooms.saveAll(sql, rooms);
    }

    public void recordStateChanges(Collection<StateChange> changes, long nowMs) throws SQLException {
        StateChanges.addAll(sql, changes, nowMs);
    }

    /**
     * Drops the oldest state changes: those up to the first recorded at or after {@code beforeMs}, and all but the
     * newest {@code keep}.
     */
    public int pruneStateChanges(long beforeMs, long keep) throws SQLException {
        return StateChanges.prune(sql, beforeMs, keep);
    }

    public void saveRoomTimeouts(Collection<RoomTimeouts> timeouts) throws SQLException {
        Rooms.saveTimeouts(sql, timeouts);
    }

    public Optional<Session> session(String sid) throws SQLException {
        return Sessions.byId(sql, sid);
    }

    /** The sessions of those sids that exist. */
    public List<Session> sessions(Collection<String> sids) throws SQLException {
        return Sessions.byIds(sql, sids);
    }

    public List<Session> openSessionsOfRooms(Collection<String> roomSids) throws SQLException {
        return Sessions.openOfRooms(sql, roomSids);
    }

    /** The open sessions of each (room sid, identity) pair. */
    public List<Session> openSessionsOf(List<Map.Entry<String, String>> roomAndIdentity) throws SQLException {
        return Sessions.openOf(sql, roomAndIdentity);
    }

    /** {@link #presentIdentities} of each room that has anyone present; rooms left out have no one. */
    public Map<String, Integer> presentIdentities(Collection<String> roomSids) throws SQLException {
        return Sessions.presentCounts(sql, roomSids);
    }

    /** Who is in the room now: distinct identities with an open session (a reconnect is one person). */
    public int presentIdentities(String roomSid) throws SQLException {
        return Sessions.presentCount(sql, roomSid);
    }

    public void saveSessions(Collection<Session> sessions) throws SQLException {
        Sessions.saveAll(sql, sessions);
    }

    public Optional<Track> track(String sid) throws SQLException {
        return Tracks.byId(sql, sid);
    }

    /** The tracks of those sids that exist. */
    public List<Track> tracks(Collection<String> sids) throws SQLException {
        return Tracks.byIds(sql, sids);
    }

    public List<Track> openTracksOfParticipants(Collection<String> participantSids) throws SQLException {
        return Tracks.openOfParticipants(sql, participantSids);
    }

    public void saveTracks(Collection<Track> tracks) throws SQLException {
        Tracks.saveAll(sql, tracks);
    }

    // -- egress and ingress ------------------------------------------------------------------------

    public Optional<Egress> egress(String egressId) throws SQLException {
        return EgressAndIngress.egressById(sql, egressId);
    }

    /** The egress of those ids that exist. */
    public List<Egress> egress(Collection<String> egressIds) throws SQLException {
        return EgressAndIngress.egressByIds(sql, egressIds);
    }

    public void saveEgress(Collection<Egress> egress) throws SQLException {
        EgressAndIngress.saveEgress(sql, egress);
    }

    public void addEgressHistory(List<StatusChange> changes) throws SQLException {
        EgressAndIngress.addEgressHistory(sql, changes);
    }

    public Optional<Ingress> ingress(String ingressId) throws SQLException {
        return EgressAndIngress.ingressById(sql, ingressId);
    }

    /** The ingress of those ids that exist. */
    public List<Ingress> ingress(Collection<String> ingressIds) throws SQLException {
        return EgressAndIngress.ingressByIds(sql, ingressIds);
    }

    public void saveIngress(Collection<Ingress> ingress) throws SQLException {
        EgressAndIngress.saveIngress(sql, ingress);
    }

    public void addIngressHistory(List<StatusChange> changes) throws SQLException {
        EgressAndIngress.addIngressHistory(sql, changes);
    }

    // -- anomalies, dead letters, checkpoints, deliveries ---------------------------------------------

    /** Records the anomalies in their order. */
    public void recordAnomalies(List<Anomaly> anomalies) throws SQLException {
        Anomalies.addAll(sql, anomalies);
    }

    /** Opens a dead letter for each first failure, counts and reopens it for a later one. */
    public void recordDeadLetters(List<DeadLetter.Failure> failures) throws SQLException {
        DeadLetters.recordAll(sql, failures);
    }

    public void resolveDeadLetters(List<String> eventIds) throws SQLException {
        DeadLetters.resolve(sql, eventIds);
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

    /** Queues newly applied events for delivery to one destination, in the transaction that applies them. */
    public void queueDeliveries(String destination, List<StoredEvent> events, long nowMs) throws SQLException {
        DeliveryStore.insertAll(sql, destination, events, nowMs);
    }

    // -- ownership of log partitions and cluster-wide jobs ---------------------------------------------

    /** Records that {@code member} is alive now. */
    public void heartbeat(String consumer, String member, long nowMs) throws SQLException {
        Owners.heartbeat(sql, consumer, member, nowMs);
    }

    /** How many members have a heartbeat at or after {@code sinceMs}; those older than {@code forgetBeforeMs} go. */
    public long liveMembers(String consumer, long sinceMs, long forgetBeforeMs) throws SQLException {
        return Owners.liveMembers(sql, consumer, sinceMs, forgetBeforeMs);
    }

    /**
     * Takes the partition when it is free, its lease ended before {@code expiredBeforeMs}, or {@code member} held
     * it before; the epoch it is now held under, empty when another holds it.
     */
    public OptionalLong claim(String consumer, int partition, String member, long expiredBeforeMs, long leaseUntilMs)
            throws SQLException {
        return Owners.claim(sql, consumer, partition, member, expiredBeforeMs, leaseUntilMs);
    }

    /** Extends the lease held under {@code epoch}; false when another has taken the partition since. */
    public boolean renew(String consumer, int partition, long epoch, long leaseUntilMs) throws SQLException {
        return Owners.renew(sql, consumer, partition, epoch, leaseUntilMs);
    }

    /**
     * True while {@code epoch} holds the partition; the transaction then keeps its row (shared with other
     * transactions of the holder), so the partition cannot change hands before this transaction ends. Work on a
     * partition commits only after this said true.
     */
    public boolean fence(String consumer, int partition, long epoch) throws SQLException {
        return Owners.fence(sql, shareLock, consumer, partition, epoch);
    }

    public void release(String consumer, int partition, long epoch) throws SQLException {
        Owners.release(sql, consumer, partition, epoch);
    }

    public Map<Integer, PartitionOwner> owners(String consumer) throws SQLException {
        return Owners.owners(sql, consumer);
    }

    /** Every checkpoint of the consumer, by partition. */
    public Map<Integer, Long> checkpoints(String consumer) throws SQLException {
        return Owners.checkpoints(sql, consumer);
    }
}
