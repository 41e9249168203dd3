package io.livehook.simulate;

import io.livehook.livekit.ResourceIds;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The life of one room, decided one event at a time from its own random source: it starts, people join
 * (some never finish connecting), publish and unpublish camera, microphone and screen share, reconnect under
 * the same identity with a new sid, record with an egress, leave; after its budget of events everyone leaves
 * and the room finishes. Decided events that must follow later (a leaver's unpublishes, the old connection's
 * participant_left after a reconnect) wait in {@code pending} and may interleave with new activity.
 */
final class RoomScript {
    private static final List<String> NAMES = List.of("Ana", "Zoë Müller", "李雷", "Łukasz", "Kwame", "Priya",
            "Sven", "Élodie", "Mateo", "Aiko", "Omar", "Ngozi");
    private static final List<String> VIDEO_CODECS = List.of("video/VP8", "video/H264", "video/VP9", "video/AV1");
    /** How often new activity cuts in before already-decided events of the room. */
    private static final double INTERLEAVE = 0.35;

    /** An event of this room decided earlier, produced when its turn comes. */
    @FunctionalInterface
    private interface Step {
        GeneratedEvent emit(String id, Instant at);
    }

    /** A connected participant and what it publishes. */
    private static final class Connection {
        final Participant participant;
        final List<SimulatedTrack> tracks = new ArrayList<>();

        Connection(Participant participant) {
            this.participant = participant;
        }
    }

    private final RandomGenerator random;
    private final String name;
    private final String sid;
    private final LiveKitBodies bodies;
    private final GroundTruth truth;
    private final int budget;
    private final int capacity;
    private final Map<String, Connection> present = new LinkedHashMap<>();
    private final Deque<Step> pending = new ArrayDeque<>();
    private SimulatedRoom room;
    private SimulatedEgress egress;
    private int egressesStarted;
    private int people;
    private int emitted;
    private boolean closing;
    private boolean finished;

    RoomScript(RandomGenerator random, String name, GroundTruth truth) {
        this.random = random;
        this.name = name;
        this.sid = ResourceIds.next(random, "RM_");
        this.bodies = new LiveKitBodies(random.nextBoolean());
        this.truth = truth;
        this.budget = 12 + random.nextInt(140);
        this.capacity = random.nextInt(10) == 0 ? 20 + random.nextInt(30) : 2 + random.nextInt(10);
    }

    /** True once room_finished has been produced: the room has nothing more to say. */
    boolean finished() {
        return finished;
    }

    GeneratedEvent next(String id, Instant at) {
        if (finished) {
            throw new IllegalStateException("room " + name + " has finished");
        }
        GeneratedEvent event;
        if (room == null) {
            event = start(id, at);
        } else {
            boolean spent = emitted >= budget;
            if (spent && !closing && pending.isEmpty()) {
                close();
            }
            boolean decided = !pending.isEmpty() && (spent || random.nextDouble() >= INTERLEAVE);
            event = decided ? pending.poll().emit(id, at) : act(id, at);
        }
        emitted++;
        truth.add(event);
        return event;
    }

    private GeneratedEvent start(String id, Instant at) {
        room = new SimulatedRoom(sid, name, at, 300, 20, capacity);
        truth.roomStarted(room);
        return roomEvent("room_started", id, at, bodies.roomStarted(id, at, room));
    }

    private GeneratedEvent act(String id, Instant at) {
        boolean space = present.size() < capacity;
        List<Connection> publishers = present.values().stream().filter(c -> !unpublished(c).isEmpty()).toList();
        List<Connection> publishing = present.values().stream().filter(c -> !c.tracks.isEmpty()).toList();
        double[] weights = {
            space ? (present.isEmpty() ? 10 : 3) : 0,
            space ? 0.3 : 0,
            publishers.isEmpty() ? 0 : 4,
            publishing.isEmpty() ? 0 : 1.2,
            present.isEmpty() ? 0 : 1.2,
            present.isEmpty() ? 0 : 0.4,
            egress == null && egressesStarted < 2 && !present.isEmpty() ? 0.25 : 0,
            egress == null ? 0 : 0.8,
        };
        return switch (pick(weights)) {
            case 0 -> join(id, at);
            case 1 -> abort(id, at);
            case 2 -> publish(pickFrom(publishers), id, at);
            case 3 -> {
                Connection c = pickFrom(publishing);
                SimulatedTrack track = c.tracks.remove(random.nextInt(c.tracks.size()));
                yield unpublish(c.participant, track, id, at);
            }
            case 4 -> leave(pickFrom(List.copyOf(present.values())), id, at);
            case 5 -> reconnect(pickFrom(List.copyOf(present.values())), id, at);
            case 6 -> startEgress(id, at);
            default -> advanceEgress(id, at);
        };
    }

    private GeneratedEvent join(String id, Instant at) {
        people++;
        boolean agent = random.nextInt(12) == 0;
        String identity = agent ? "agent-" + ResourceIds.chars(random, 6) : "user-" + people;
        String displayName = agent ? "Assistant" : NAMES.get(random.nextInt(NAMES.size()));
        String metadata = random.nextInt(4) == 0 ? "{\"role\":\"host\"}" : "";
        Participant participant = new Participant(ResourceIds.next(random, "PA_"), identity, displayName,
                agent ? "AGENT" : "STANDARD", metadata, at);
        return joined(participant, id, at);
    }

    private GeneratedEvent joined(Participant participant, String id, Instant at) {
        present.put(participant.identity(), new Connection(participant));
        truth.joined(room, participant);
        return roomEvent("participant_joined", id, at,
                bodies.participantJoined(id, at, room, present.size(), publisherCount(), participant));
    }

    private GeneratedEvent abort(String id, Instant at) {
        people++;
        Participant participant = new Participant(ResourceIds.next(random, "PA_"), "user-" + people,
                NAMES.get(random.nextInt(NAMES.size())), "STANDARD", "", at);
        String reason = random.nextBoolean() ? "CONNECTION_TIMEOUT" : "JOIN_FAILURE";
        truth.aborted(room, participant, at, reason);
        return roomEvent("participant_connection_aborted", id, at,
                bodies.participantConnectionAborted(id, at, room, present.size(), publisherCount(), participant, reason));
    }

    private GeneratedEvent publish(Connection c, String id, Instant at) {
        List<SimulatedTrack.Source> sources = unpublished(c);
        SimulatedTrack.Source source = sources.get(random.nextInt(sources.size()));
        String trackSid = ResourceIds.next(random, "TR_");
        String participantSid = c.participant.sid();
        SimulatedTrack track = switch (source) {
            case CAMERA -> new SimulatedTrack(trackSid, participantSid, source, "camera",
                    VIDEO_CODECS.get(random.nextInt(VIDEO_CODECS.size())), 1280, 720, true, at);
            case MICROPHONE -> new SimulatedTrack(trackSid, participantSid, source, "microphone",
                    random.nextInt(3) == 0 ? "audio/red" : "audio/opus", 0, 0, false, at);
            case SCREEN_SHARE -> new SimulatedTrack(trackSid, participantSid, source, "screen", "video/VP8", 1920, 1080, false, at);
        };
        c.tracks.add(track);
        truth.published(room, track);
        return roomEvent("track_published", id, at, bodies.trackPublished(id, at, room, c.participant, track));
    }

    private List<SimulatedTrack.Source> unpublished(Connection c) {
        List<SimulatedTrack.Source> offered = c.participant.kind().equals("AGENT")
                ? List.of(SimulatedTrack.Source.MICROPHONE)
                : List.of(SimulatedTrack.Source.values());
        return offered.stream().filter(s -> c.tracks.stream().noneMatch(t -> t.source() == s)).toList();
    }

    private GeneratedEvent unpublish(Participant participant, SimulatedTrack track, String id, Instant at) {
        truth.unpublished(track, at);
        return roomEvent("track_unpublished", id, at, bodies.trackUnpublished(id, at, room, participant, track));
    }

    private GeneratedEvent leave(Connection c, String id, Instant at) {
        present.remove(c.participant.identity());
        List<Step> steps = departure(c, random.nextInt(5) == 0 ? "SIGNAL_CLOSE" : "CLIENT_INITIATED");
        pending.addAll(steps.subList(1, steps.size()));
        return steps.getFirst().emit(id, at);
    }

    /**
     * The same identity connects again and gets a new sid; LiveKit then closes the old connection as a
     * duplicate. Usually the old sid's participant_left comes after the new sid's participant_joined.
     */
    private GeneratedEvent reconnect(Connection old, String id, Instant at) {
        Participant was = old.participant;
        Participant again = new Participant(ResourceIds.next(random, "PA_"), was.identity(), was.name(), was.kind(),
                was.metadata(), at);
        present.remove(was.identity());
        List<Step> oldGone = departure(old, "DUPLICATE_IDENTITY");
        if (random.nextDouble() < 0.7) {
            pending.addAll(oldGone);
            return joined(again, id, at);
        }
        // The new connection only counts as present from its participant_joined on: nothing of it comes earlier.
        pending.addAll(oldGone.subList(1, oldGone.size()));
        pending.add((laterId, later) -> joined(again, laterId, later));
        return oldGone.getFirst().emit(id, at);
    }

    private List<Step> departure(Connection c, String reason) {
        List<Step> steps = new ArrayList<>();
        Participant participant = c.participant;
        for (SimulatedTrack track : List.copyOf(c.tracks)) {
            steps.add((id, at) -> unpublish(participant, track, id, at));
        }
        c.tracks.clear();
        int version = 2 + steps.size();
        steps.add((id, at) -> {
            truth.left(participant, at, reason);
            return roomEvent("participant_left", id, at,
                    bodies.participantLeft(id, at, room, present.size(), publisherCount(), participant, reason, version));
        });
        return steps;
    }

    private GeneratedEvent startEgress(String id, Instant at) {
        egressesStarted++;
        String egressId = ResourceIds.next(random, "EG_");
        egress = new SimulatedEgress(egressId, room.sid(), room.name(), SimulatedEgress.STARTING, null, null, at, null,
                "recordings/" + room.name() + "/" + egressId + ".mp4", 0);
        return egressEvent("egress_started", id, at);
    }

    private GeneratedEvent advanceEgress(String id, Instant at) {
        switch (egress.status()) {
            case SimulatedEgress.STARTING -> {
                if (random.nextInt(10) == 0) {
                    return endEgress(SimulatedEgress.FAILED, id, at);
                }
                egress = egress.active(at);
                return egressEvent("egress_updated", id, at);
            }
            case SimulatedEgress.ACTIVE -> {
                if (random.nextInt(4) == 0) {
                    egress = egress.ending(at);
                    return egressEvent("egress_updated", id, at);
                }
                return endEgress(finalStatus(), id, at);
            }
            default -> {
                return endEgress(finalStatus(), id, at);
            }
        }
    }

    private String finalStatus() {
        int roll = random.nextInt(100);
        return roll < 80 ? SimulatedEgress.COMPLETE : roll < 88 ? SimulatedEgress.FAILED : roll < 95 ? SimulatedEgress.ABORTED : SimulatedEgress.LIMIT_REACHED;
    }

    private GeneratedEvent endEgress(String status, String id, Instant at) {
        String error = switch (status) {
            case SimulatedEgress.FAILED -> "pipeline frozen";
            case SimulatedEgress.LIMIT_REACHED -> "max duration reached";
            default -> null;
        };
        long bytes = 0;
        if (egress.startedAt() != null && (status.equals(SimulatedEgress.COMPLETE) || status.equals(SimulatedEgress.LIMIT_REACHED))) {
            long millis = Math.max(1, at.toEpochMilli() - egress.startedAt().toEpochMilli());
            bytes = millis * 250 + random.nextInt(65_536);
        }
        egress = egress.end(status, at, error, bytes);
        GeneratedEvent event = egressEvent("egress_ended", id, at);
        egress = null;
        return event;
    }

    private GeneratedEvent egressEvent(String type, String id, Instant at) {
        truth.egress(egress);
        return new GeneratedEvent(id, type, name, egress.egressId(), at, bodies.egress(type, id, at, room, egress));
    }

    /**
     * Everyone leaves (or the room is deleted with them in it), a running egress ends, then room_finished: the
     * room's last event. Called once nothing
     * decided is pending, so that no connection can appear after the room decided to close.
     */
    private void close() {
        closing = true;
        int roll = random.nextInt(5);
        String reason = roll < 2 ? "ROOM_DELETED" : "CLIENT_INITIATED";
        // Deleted through the API with people still in it, once in five: room_finished alone ends them all.
        if (roll != 0) {
            for (Connection c : List.copyOf(present.values())) {
                pending.addAll(departure(c, reason));
            }
        }
        present.clear();
        if (egress != null) {
            String status = egress.status().equals(SimulatedEgress.STARTING) ? SimulatedEgress.ABORTED : SimulatedEgress.COMPLETE;
            pending.add((id, at) -> endEgress(status, id, at));
        }
        pending.add(this::finish);
    }

    private GeneratedEvent finish(String id, Instant at) {
        finished = true;
        truth.roomFinished(room, at);
        return roomEvent("room_finished", id, at, bodies.roomFinished(id, at, room));
    }

    private int publisherCount() {
        return (int) present.values().stream().filter(c -> !c.tracks.isEmpty()).count();
    }

    private GeneratedEvent roomEvent(String type, String id, Instant at, byte[] body) {
        return new GeneratedEvent(id, type, name, name, at, body);
    }

    private int pick(double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double roll = random.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                last = i;
                roll -= weights[i];
                if (roll < 0) {
                    return i;
                }
            }
        }
        if (last < 0) {
            throw new IllegalStateException("room " + name + " has nothing it could do");
        }
        return last;
    }

    private <T> T pickFrom(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }
}
