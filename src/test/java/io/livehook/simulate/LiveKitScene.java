package io.livehook.simulate;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hand-written LiveKit for tests: rooms and participants changed one step at a time in a {@link GroundTruth}
 * (what the {@link RoomServiceServer} answers from), each step returning the webhook body LiveKit would send
 * for it, which the test delivers or loses as it pleases.
 */
public final class LiveKitScene {
    private final GroundTruth truth = new GroundTruth();
    private final LiveKitBodies bodies = new LiveKitBodies(false);
    private final Map<String, SimulatedRoom> rooms = new HashMap<>();
    private final Map<String, String> roomOf = new HashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final String tag = Long.toString(System.nanoTime() % 1_000_000_000L, 36);

    public GroundTruth truth() {
        return truth;
    }

    public String roomSid(String room) {
        return rooms.get(room).sid();
    }

    public byte[] startRoom(String name, Instant at) {
        SimulatedRoom room = new SimulatedRoom("RM_" + tag + name, name, at, 300, 20, 50);
        rooms.put(name, room);
        truth.roomStarted(room);
        return bodies.roomStarted(id(), at, room);
    }

    /** A participant connecting to the room now; in LiveKit's list from this step on. */
    public Participant join(String room, String identity, Instant at) {
        Participant p = new Participant("PA_" + tag + identity, identity, identity.toUpperCase(), "STANDARD", "", at);
        roomOf.put(p.sid(), room);
        truth.joined(rooms.get(room), p);
        return p;
    }

    public byte[] joined(Participant p, Instant at) {
        return bodies.participantJoined(id(), at, rooms.get(roomOf.get(p.sid())), 1, 0, p);
    }

    public byte[] leave(Participant p, Instant at) {
        truth.left(p, at, "CLIENT_INITIATED");
        return bodies.participantLeft(id(), at, rooms.get(roomOf.get(p.sid())), 0, 0, p, "CLIENT_INITIATED", 2);
    }

    public byte[] publish(Participant p, Instant at) {
        return published(p, track(p, at), at);
    }

    /** A microphone the participant publishes now; in LiveKit's list from this step on. */
    public SimulatedTrack track(Participant p, Instant at) {
        SimulatedTrack track = new SimulatedTrack("TR_" + tag + ids.incrementAndGet(), p.sid(), SimulatedTrack.Source.MICROPHONE, "microphone",
                "audio/opus", 0, 0, false, at);
        truth.published(rooms.get(roomOf.get(p.sid())), track);
        return track;
    }

    public byte[] published(Participant p, SimulatedTrack track, Instant at) {
        return bodies.trackPublished(id(), at, rooms.get(roomOf.get(p.sid())), p, track);
    }

    public byte[] unpublish(Participant p, SimulatedTrack track, Instant at) {
        truth.unpublished(track, at);
        return bodies.trackUnpublished(id(), at, rooms.get(roomOf.get(p.sid())), p, track);
    }

    public byte[] finish(String room, Instant at) {
        truth.roomFinished(rooms.get(room), at);
        return bodies.roomFinished(id(), at, rooms.get(room));
    }

    private String id() {
        return "EV_" + tag + ids.incrementAndGet();
    }
}
