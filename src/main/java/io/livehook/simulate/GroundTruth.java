package io.livehook.simulate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What really happened in the simulated LiveKit, whatever reached the receiver: every event in generation
 * order, and the state it leaves behind (rooms, sessions by participant sid, tracks by track sid, egresses by
 * id). A receiver that got every event, or reconciled what it missed, must end up with this state. Built by the
 * one generating thread; readers may look while it is being built (the simulated RoomService answers from it),
 * so every read takes a copy under the same lock as the writes.
 */
public final class GroundTruth {

    /** A generated event without its body. */
    public record Event(String id, String type, String roomName, String queueKey, Instant createdAt) {}

    /** {@code finishedAt} is null while the room is still open. */
    public record RoomState(SimulatedRoom room, Instant finishedAt) {
        public boolean open() {
            return finishedAt == null;
        }
    }

    /** One connection. {@code endedAt} and {@code disconnectReason} are null while it is connected. */
    public record Session(String roomName, Participant participant, End end, Instant endedAt, String disconnectReason) {
        public enum End {
            CONNECTED,
            LEFT,
            /** participant_connection_aborted: the connection never became active, and no participant_joined was sent. */
            ABORTED
        }
    }

    /** {@code unpublishedAt} is null while the track is published. */
    public record Publication(String roomName, SimulatedTrack track, Instant unpublishedAt) {}

    private final List<Event> events = new ArrayList<>();
    private final Map<String, RoomState> rooms = new LinkedHashMap<>();
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    private final Map<String, Publication> tracks = new LinkedHashMap<>();
    private final Map<String, SimulatedEgress> egresses = new LinkedHashMap<>();

    synchronized void add(GeneratedEvent event) {
        events.add(new Event(event.id(), event.type(), event.roomName(), event.queueKey(), event.createdAt()));
    }

    synchronized void roomStarted(SimulatedRoom room) {
        rooms.put(room.name(), new RoomState(room, null));
    }

    /** A room deleted with people still in it ends their sessions and tracks with it. */
    synchronized void roomFinished(SimulatedRoom room, Instant at) {
        rooms.put(room.name(), new RoomState(room, at));
        Set<String> gone = new HashSet<>();
        for (Session s : List.copyOf(sessions.values())) {
            if (s.roomName().equals(room.name()) && s.end() == Session.End.CONNECTED) {
                sessions.put(s.participant().sid(), new Session(s.roomName(), s.participant(), Session.End.LEFT, at,
                        "ROOM_DELETED"));
                gone.add(s.participant().sid());
            }
        }
        for (Publication p : List.copyOf(tracks.values())) {
            if (p.unpublishedAt() == null && gone.contains(p.track().participantSid())) {
                tracks.put(p.track().sid(), new Publication(p.roomName(), p.track(), at));
            }
        }
    }

    synchronized void joined(SimulatedRoom room, Participant participant) {
        sessions.put(participant.sid(), new Session(room.name(), participant, Session.End.CONNECTED, null, null));
    }

    synchronized void left(Participant participant, Instant at, String reason) {
        Session session = sessions.get(participant.sid());
        sessions.put(participant.sid(), new Session(session.roomName(), participant, Session.End.LEFT, at, reason));
    }

    synchronized void aborted(SimulatedRoom room, Participant participant, Instant at, String reason) {
        sessions.put(participant.sid(), new Session(room.name(), participant, Session.End.ABORTED, at, reason));
    }

    synchronized void published(SimulatedRoom room, SimulatedTrack track) {
        tracks.put(track.sid(), new Publication(room.name(), track, null));
    }

    synchronized void unpublished(SimulatedTrack track, Instant at) {
        Publication publication = tracks.get(track.sid());
        tracks.put(track.sid(), new Publication(publication.roomName(), track, at));
    }

    synchronized void egress(SimulatedEgress egress) {
        egresses.put(egress.egressId(), egress);
    }

    /** The rooms open now, in the order they started: what LiveKit's ListRooms answers. */
    public synchronized List<SimulatedRoom> openRooms() {
        return rooms.values().stream().filter(RoomState::open).map(RoomState::room).toList();
    }

    /** Who is connected to the room now, in the order they joined: what LiveKit's ListParticipants answers. */
    public synchronized List<Participant> connected(String roomName) {
        RoomState room = rooms.get(roomName);
        if (room == null || !room.open()) {
            return List.of();
        }
        return sessions.values().stream()
                .filter(s -> s.roomName().equals(roomName) && s.end() == Session.End.CONNECTED)
                .map(Session::participant)
                .toList();
    }

    /** The participant's tracks published now, in the order they were published: what ListParticipants lists. */
    public synchronized List<SimulatedTrack> published(String participantSid) {
        return tracks.values().stream()
                .filter(p -> p.unpublishedAt() == null && p.track().participantSid().equals(participantSid))
                .map(Publication::track)
                .toList();
    }

    /** Every event, in the order the simulated LiveKit produced them. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Each room's events (its egresses' included) in generation order, rooms in the order they started. */
    public synchronized Map<String, List<Event>> eventsByRoom() {
        Map<String, List<Event>> byRoom = new LinkedHashMap<>();
        for (Event event : events) {
            byRoom.computeIfAbsent(event.roomName(), r -> new ArrayList<>()).add(event);
        }
        return byRoom;
    }

    /** By room name. */
    public synchronized Map<String, RoomState> rooms() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(rooms));
    }

    /** By participant sid. */
    public synchronized Map<String, Session> sessions() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(sessions));
    }

    /** By track sid. */
    public synchronized Map<String, Publication> tracks() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(tracks));
    }

    /** The last state of each egress, by egress id. */
    public synchronized Map<String, SimulatedEgress> egresses() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(egresses));
    }
}
