package io.livehook.process;

import io.livehook.state.Anomaly;
import io.livehook.state.Egress;
import io.livehook.state.Ingress;
import io.livehook.state.Room;
import io.livehook.state.RoomTimeouts;
import io.livehook.state.Session;
import io.livehook.state.StateChange;
import io.livehook.state.StateQueries.LogPosition;
import io.livehook.state.StateTx;
import io.livehook.state.StatusChange;
import io.livehook.state.Track;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The state as one batch's rules see it: the rows the batch touches, read in a few queries before its first
 * event and kept in memory, with the batch's own changes over them; the changed rows are written once each, in
 * batched statements, before the transaction commits. A lane's queue keys are its own, and processing is the
 * only writer of these tables, so nothing else changes these rows meanwhile. What the batch did not read ahead
 * is read when asked for, through the same transaction; it lives for one transaction and is dropped with it.
 *
 * <p>The database holds the state from before the batch until {@link #flush}: every read of it is overlaid
 * with the batch's changes. Open sessions are read per (room, identity) the batch touches, and a whole room's
 * only when it finishes; who is present in a room is its count from before the batch ({@link PresenceCounts},
 * or counted once), changed by each identity whose presence the batch changed.
 */
final class BatchState {
    private final StateTx tx;
    private final Map<String, Optional<Room>> rooms = new HashMap<>();
    private final Map<String, Optional<Session>> sessions = new HashMap<>();
    private final Map<String, Optional<Track>> tracks = new HashMap<>();
    private final Map<String, Optional<Egress>> egress = new HashMap<>();
    private final Map<String, Optional<Ingress>> ingress = new HashMap<>();
    /** Sids of the open sessions of each room (complete for the rooms in {@link #openSessionsRead}). */
    private final Map<String, Set<String>> openSessionsByRoom = new HashMap<>();
    private final Set<String> openSessionsRead = new HashSet<>();
    /** Per room, how many open sessions each identity has, as far as read or changed here. */
    private final Map<String, Map<String, Integer>> openByIdentity = new HashMap<>();
    /** Per room, whether each identity read from the database had an open session before the batch. */
    private final Map<String, Map<String, Boolean>> presentBefore = new HashMap<>();
    /** Per room, who was present before the batch, once asked (from {@link PresenceCounts} or counted). */
    private final Map<String, Integer> presentAtStart = new HashMap<>();
    private final Set<String> roomsWithChangedSessions = new HashSet<>();
    private final PresenceCounts presence;
    /** Sids of the open tracks of each participant (complete for those in {@link #openTracksRead}). */
    private final Map<String, Set<String>> openTracksByParticipant = new HashMap<>();
    private final Set<String> openTracksRead = new HashSet<>();
    private final Map<String, Room> changedRooms = new LinkedHashMap<>();
    private final Map<String, RoomTimeouts> changedTimeouts = new LinkedHashMap<>();
    private final Map<String, Session> changedSessions = new LinkedHashMap<>();
    private final Map<String, Track> changedTracks = new LinkedHashMap<>();
    private final Map<String, Egress> changedEgress = new LinkedHashMap<>();
    private final Map<String, Ingress> changedIngress = new LinkedHashMap<>();
    private final List<StatusChange> egressHistory = new ArrayList<>();
    private final List<StatusChange> ingressHistory = new ArrayList<>();
    private final List<Anomaly> anomalies = new ArrayList<>();
    private final List<StateChange> stateChanges = new ArrayList<>();
    private LogPosition applying;
    private LiveKitEvent current;

    BatchState(StateTx tx, PresenceCounts presence) {
        this.tx = tx;
        this.presence = presence;
    }

    /** Reads, in one query per table, every row the events name, and the open sessions and tracks they may end. */
    void readAhead(List<LiveKitEvent> events) throws SQLException {
        Set<String> roomSids = new HashSet<>();
        Set<String> sessionSids = new HashSet<>();
        Set<String> trackSids = new HashSet<>();
        Set<String> egressIds = new HashSet<>();
        Set<String> ingressIds = new HashSet<>();
        Set<String> finishingRooms = new HashSet<>();
        Set<Map.Entry<String, String>> people = new HashSet<>();
        for (LiveKitEvent e : events) {
            var event = e.event();
            addIfPresent(roomSids, event.getRoom().getSid());
            if (!event.getRoom().getSid().isEmpty() && !event.getParticipant().getIdentity().isEmpty()) {
                people.add(Map.entry(event.getRoom().getSid(), event.getParticipant().getIdentity()));
            }
            addIfPresent(sessionSids, event.getParticipant().getSid());
            addIfPresent(trackSids, event.getTrack().getSid());
            addIfPresent(egressIds, event.getEgressInfo().getEgressId());
            addIfPresent(ingressIds, event.getIngressInfo().getIngressId());
            if ("room_finished".equals(e.type()) && !event.getRoom().getSid().isEmpty()) {
                finishingRooms.add(event.getRoom().getSid());
            }
        }
        put(rooms, roomSids, tx.rooms(roomSids), Room::sid);
        for (String sid : sessionSids) {
            sessions.put(sid, Optional.empty());
        }
        tx.sessions(sessionSids).forEach(this::putSession);
        put(tracks, trackSids, tx.tracks(trackSids), Track::sid);
        put(egress, egressIds, tx.egress(egressIds), Egress::egressId);
        put(ingress, ingressIds, tx.ingress(ingressIds), Ingress::ingressId);
        readOpenSessions(finishingRooms);
        readPeople(people);
        List<String> uncounted = roomSids.stream().filter(r -> presence.get(r) == null).toList();
        Map<String, Integer> counted = tx.presentIdentities(uncounted);
        for (String room : uncounted) {
            presentAtStart.put(room, counted.getOrDefault(room, 0));
        }
        Set<String> ending = new HashSet<>(sessionSids);
        for (String room : finishingRooms) {
            ending.addAll(openSessionsByRoom.getOrDefault(room, Set.of()));
        }
        readOpenTracks(ending);
    }

    private static void addIfPresent(Set<String> keys, String key) {
        if (!key.isEmpty()) {
            keys.add(key);
        }
    }

    private static <T> void put(Map<String, Optional<T>> cache, Set<String> asked, List<T> found,
            Function<T, String> key) {
        for (String id : asked) {
            cache.put(id, Optional.empty());
        }
        for (T row : found) {
            cache.put(key.apply(row), Optional.of(row));
        }
    }

    /** The event whose rules run now: what they ask of the events table is about the events before it. */
    void applying(LiveKitEvent e) {
        applying = new LogPosition(e.logged().partition(), e.logged().offset());
        current = e;
    }

    // -- changes the app can follow ------------------------------------------------------------------

    /**
     * A row's presence changed (opened/started/published, or ended): recorded for the stream, with the event that
     * changed it. Found from the row before and after, both in memory: no read of its own.
     */
    private void presence(boolean existed, boolean wasOpen, boolean open, String opened, String ended, String roomSid,
            String roomName, String participantSid, String identity, String trackSid, String startSource,
            Long startMs, String endSource, Long endMs) {
        if (open == wasOpen && existed) {
            return;
        }
        if (open || !existed) {
            // Ended at once (a leave never seen joining) still tells the app someone was there.
            String source = existed ? EventRules.RECONCILED : startSource;
            stateChanges.add(new StateChange(0, opened, roomSid, roomName, participantSid, identity, trackSid, source,
                    current.id(), startMs != null ? startMs : current.atMs()));
        }
        if (!open) {
            stateChanges.add(new StateChange(0, ended, roomSid, roomName, participantSid, identity, trackSid, endSource,
                    current.id(), endMs != null ? endMs : current.atMs()));
        }
    }

    // -- rooms -------------------------------------------------------------------------------------

    Optional<Room> room(String sid) throws SQLException {
        Optional<Room> known = rooms.get(sid);
        if (known == null) {
            known = tx.room(sid);
            rooms.put(sid, known);
        }
        return known;
    }

    /**
     * The room a sid-less event of that name refers to: an active one, else the newest. The batch's rooms are
     * written first, so that the database can answer over all rooms of the name (rare: most events carry a sid).
     */
    Optional<Room> latestRoomNamed(String name) throws SQLException {
        tx.saveRooms(changedRooms.values());
        changedRooms.clear();
        Optional<Room> latest = tx.latestRoomNamed(name);
        latest.ifPresent(r -> rooms.put(r.sid(), latest));
        return latest;
    }

    void saveRoom(Room room) {
        Optional<Room> before = rooms.getOrDefault(room.sid(), Optional.empty());
        presence(before.isPresent(), before.map(Room::active).orElse(false), room.active(), StateChange.ROOM_STARTED,
                StateChange.ROOM_FINISHED, room.sid(), room.name(), null, null, null, room.startSource(),
                room.startedAtMs(), room.endSource(), room.finishedAtMs());
        rooms.put(room.sid(), Optional.of(room));
        changedRooms.put(room.sid(), room);
    }

    void saveRoomTimeouts(RoomTimeouts timeouts) {
        changedTimeouts.put(timeouts.roomSid(), timeouts);
    }

    // -- sessions ----------------------------------------------------------------------------------

    Optional<Session> session(String sid) throws SQLException {
        Optional<Session> known = sessions.get(sid);
        if (known == null) {
            known = tx.session(sid);
            sessions.put(sid, Optional.empty());
            known.ifPresent(this::putSession);
        }
        return known;
    }

    /** The room's open sessions in sid order. */
    List<Session> openSessions(String roomSid) throws SQLException {
        if (!openSessionsRead.contains(roomSid)) {
            readOpenSessions(Set.of(roomSid));
        }
        List<Session> open = new ArrayList<>();
        for (String sid : openSessionsByRoom.getOrDefault(roomSid, Set.of())) {
            open.add(sessions.get(sid).orElseThrow());
        }
        return open;
    }

    /**
     * Who is in the room now: distinct identities with an open session (a reconnect is one person). The count
     * before the batch, changed by each identity whose presence the batch changed.
     */
    int presentIdentities(String roomSid) throws SQLException {
        if (!presentAtStart.containsKey(roomSid)) {
            Integer known = presence.get(roomSid);
            presentAtStart.put(roomSid, known != null ? known : tx.presentIdentities(roomSid));
        }
        return presentNow(roomSid);
    }

    /** The room's count before the batch (known), changed by each identity whose presence the batch changed. */
    private int presentNow(String roomSid) {
        int present = presentAtStart.get(roomSid);
        Map<String, Integer> now = openByIdentity.getOrDefault(roomSid, Map.of());
        for (Map.Entry<String, Boolean> before : presentBefore.getOrDefault(roomSid, Map.of()).entrySet()) {
            boolean isPresent = now.getOrDefault(before.getKey(), 0) > 0;
            if (isPresent != before.getValue()) {
                present += isPresent ? 1 : -1;
            }
        }
        return present;
    }

    void saveSession(Session session) throws SQLException {
        Optional<Session> before = session(session.sid());
        presence(before.isPresent(), before.map(Session::open).orElse(false), session.open(),
                StateChange.SESSION_OPENED, StateChange.SESSION_ENDED, session.roomSid(), session.roomName(),
                session.sid(), session.identity(), null, session.startSource(), session.joinedAtMs(),
                session.endSource(), session.leftAtMs());
        if (before.isPresent()) {
            readPeople(Set.of(Map.entry(before.get().roomSid(), before.get().identity())));
        }
        readPeople(Set.of(Map.entry(session.roomSid(), session.identity())));
        putSession(session);
        changedSessions.put(session.sid(), session);
        roomsWithChangedSessions.add(session.roomSid());
        before.ifPresent(b -> roomsWithChangedSessions.add(b.roomSid()));
    }

    /**
     * Reads the open sessions of each (room, identity) not read yet, and notes whether the identity was present
     * before the batch: what its presence is counted against.
     */
    private void readPeople(Set<Map.Entry<String, String>> people) throws SQLException {
        List<Map.Entry<String, String>> unread = new ArrayList<>();
        for (Map.Entry<String, String> person : people) {
            Map<String, Boolean> room = presentBefore.get(person.getKey());
            if (room == null || !room.containsKey(person.getValue())) {
                if (openSessionsRead.contains(person.getKey())) {
                    // The whole room was read: whoever was present is noted already.
                    presentBefore.computeIfAbsent(person.getKey(), r -> new HashMap<>())
                            .putIfAbsent(person.getValue(), false);
                } else {
                    unread.add(person);
                }
            }
        }
        if (unread.isEmpty()) {
            return;
        }
        for (Map.Entry<String, String> person : unread) {
            presentBefore.computeIfAbsent(person.getKey(), r -> new HashMap<>()).put(person.getValue(), false);
        }
        for (Session s : tx.openSessionsOf(unread)) {
            presentBefore.get(s.roomSid()).put(s.identity(), true);
            if (!sessions.containsKey(s.sid())) {
                putSession(s);
            }
        }
    }

    /** After the commit: each room's presence as this batch left it, where known, for the next batches. */
    void committed() {
        Map<String, Integer> known = new HashMap<>();
        Set<String> unknown = new HashSet<>();
        for (String room : roomsWithChangedSessions) {
            if (presentAtStart.containsKey(room)) {
                known.put(room, presentNow(room));
            } else {
                unknown.add(room);
            }
        }
        for (Map.Entry<String, Integer> start : presentAtStart.entrySet()) {
            if (!roomsWithChangedSessions.contains(start.getKey()) && presence.get(start.getKey()) == null) {
                known.put(start.getKey(), start.getValue());
            }
        }
        presence.committed(known, unknown);
    }

    private void readOpenSessions(Collection<String> roomSids) throws SQLException {
        List<String> unread = roomSids.stream().filter(r -> !openSessionsRead.contains(r)).toList();
        if (unread.isEmpty()) {
            return;
        }
        for (Session s : tx.openSessionsOfRooms(unread)) {
            presentBefore.computeIfAbsent(s.roomSid(), r -> new HashMap<>()).put(s.identity(), true);
            // A session this batch has read or changed already is as new here as in the database, or newer.
            if (!sessions.containsKey(s.sid())) {
                putSession(s);
            }
        }
        openSessionsRead.addAll(unread);
    }

    private void putSession(Session s) {
        Optional<Session> before = sessions.put(s.sid(), Optional.of(s));
        if (before != null && before.isPresent() && before.get().open()) {
            Session b = before.get();
            Set<String> open = openSessionsByRoom.get(b.roomSid());
            if (open != null) {
                open.remove(s.sid());
            }
            openByIdentity.get(b.roomSid()).merge(b.identity(), -1, Integer::sum);
        }
        if (s.open()) {
            openSessionsByRoom.computeIfAbsent(s.roomSid(), r -> new TreeSet<>()).add(s.sid());
            openByIdentity.computeIfAbsent(s.roomSid(), r -> new HashMap<>()).merge(s.identity(), 1, Integer::sum);
        }
    }

    // -- tracks ------------------------------------------------------------------------------------

    Optional<Track> track(String sid) throws SQLException {
        Optional<Track> known = tracks.get(sid);
        if (known == null) {
            known = tx.track(sid);
            tracks.put(sid, Optional.empty());
            known.ifPresent(this::putTrack);
        }
        return known;
    }

    /** The participant's open tracks in sid order. */
    List<Track> openTracksOfParticipant(String participantSid) throws SQLException {
        if (!openTracksRead.contains(participantSid)) {
            readOpenTracks(Set.of(participantSid));
        }
        List<Track> open = new ArrayList<>();
        for (String sid : openTracksByParticipant.getOrDefault(participantSid, Set.of())) {
            open.add(tracks.get(sid).orElseThrow());
        }
        return open;
    }

    void saveTrack(Track track) {
        Optional<Track> before = tracks.getOrDefault(track.sid(), Optional.empty());
        Optional<Session> owner = sessions.getOrDefault(track.participantSid(), Optional.empty());
        String roomName = rooms.getOrDefault(track.roomSid(), Optional.empty()).map(Room::name)
                .orElse(owner.map(Session::roomName).orElse(current.roomName()));
        presence(before.isPresent(), before.map(Track::open).orElse(false), track.open(),
                StateChange.TRACK_PUBLISHED, StateChange.TRACK_UNPUBLISHED, track.roomSid(), roomName,
                track.participantSid(), owner.map(Session::identity).orElse(null), track.sid(), track.publishSource(),
                track.publishedAtMs(), track.endSource(), track.unpublishedAtMs());
        putTrack(track);
        changedTracks.put(track.sid(), track);
    }

    private void readOpenTracks(Collection<String> participantSids) throws SQLException {
        List<String> unread = participantSids.stream().filter(p -> !openTracksRead.contains(p)).toList();
        if (unread.isEmpty()) {
            return;
        }
        for (Track t : tx.openTracksOfParticipants(unread)) {
            if (!tracks.containsKey(t.sid())) {
                putTrack(t);
            }
        }
        openTracksRead.addAll(unread);
    }

    private void putTrack(Track t) {
        Optional<Track> before = tracks.put(t.sid(), Optional.of(t));
        if (before != null && before.isPresent() && before.get().open()) {
            Set<String> open = openTracksByParticipant.get(before.get().participantSid());
            if (open != null) {
                open.remove(t.sid());
            }
        }
        if (t.open()) {
            openTracksByParticipant.computeIfAbsent(t.participantSid(), p -> new TreeSet<>()).add(t.sid());
        }
    }

    // -- egress and ingress ------------------------------------------------------------------------

    Optional<Egress> egress(String egressId) throws SQLException {
        Optional<Egress> known = egress.get(egressId);
        if (known == null) {
            known = tx.egress(egressId);
            egress.put(egressId, known);
        }
        return known;
    }

    void saveEgress(Egress e) {
        egress.put(e.egressId(), Optional.of(e));
        changedEgress.put(e.egressId(), e);
    }

    void addEgressHistory(String egressId, String eventId, String status, long updatedAtNs) {
        egressHistory.add(new StatusChange(egressId, eventId, status, updatedAtNs));
    }

    Optional<Ingress> ingress(String ingressId) throws SQLException {
        Optional<Ingress> known = ingress.get(ingressId);
        if (known == null) {
            known = tx.ingress(ingressId);
            ingress.put(ingressId, known);
        }
        return known;
    }

    void saveIngress(Ingress i) {
        ingress.put(i.ingressId(), Optional.of(i));
        changedIngress.put(i.ingressId(), i);
    }

    void addIngressHistory(String ingressId, String eventId, String status, long updatedAtMs) {
        ingressHistory.add(new StatusChange(ingressId, eventId, status, updatedAtMs));
    }

    // -- the events table and anomalies -------------------------------------------------------------

    /** When the newest event of the room before the one applying happened; 0 if none. */
    long lastEventMsOfRoom(String roomSid) throws SQLException {
        return tx.lastEventMsOfRoom(roomSid, applying);
    }

    /** When the newest event about the session's participant before the one applying happened; 0 if none. */
    long lastEventMsOfParticipant(Session s) throws SQLException {
        return tx.lastEventMsOfParticipant(s.roomSid(), s.roomName(), s.sid(), applying);
    }

    void recordAnomaly(Anomaly anomaly) {
        anomalies.add(anomaly);
    }

    /** Writes every row the batch changed, each once, and the changes of presence, in batched statements. */
    void flush(long nowMs) throws SQLException {
        tx.saveRooms(changedRooms.values());
        tx.saveRoomTimeouts(changedTimeouts.values());
        tx.saveSessions(changedSessions.values());
        tx.saveTracks(changedTracks.values());
        tx.saveEgress(changedEgress.values());
        tx.saveIngress(changedIngress.values());
        tx.addEgressHistory(egressHistory);
        tx.addIngressHistory(ingressHistory);
        tx.recordAnomalies(anomalies);
        tx.recordStateChanges(stateChanges, nowMs);
        stateChanges.clear();
        changedRooms.clear();
        changedTimeouts.clear();
        changedSessions.clear();
        changedTracks.clear();
        changedEgress.clear();
        changedIngress.clear();
        egressHistory.clear();
        ingressHistory.clear();
        anomalies.clear();
    }
}
