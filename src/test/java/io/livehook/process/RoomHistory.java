package io.livehook.process;

import static io.livehook.simulate.LiveKitBodies.egress;
import static io.livehook.simulate.LiveKitBodies.event;
import static io.livehook.simulate.LiveKitBodies.partialParticipant;
import static io.livehook.simulate.LiveKitBodies.partialRoom;
import static io.livehook.simulate.LiveKitBodies.participant;
import static io.livehook.simulate.LiveKitBodies.room;
import static io.livehook.simulate.LiveKitBodies.track;

import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.state.Egress;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.Track;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A random but legal LiveKit history: rooms (names reused by later rooms), participants joining and
 * leaving, connections aborted before they were active, reconnects (same identity, new sid, the old
 * sid's leave before or after the new join), tracks published and unpublished only while their
 * participant is connected (every open track unpublished before its participant leaves), egresses, and
 * rooms finished after everyone left (or left open). Each queue key's events are in the order LiveKit
 * sends them; {@link #rooms}, {@link #sessions}, {@link #tracks}, {@link #egress} are the true state.
 */
final class RoomHistory {
    static final long T0 = 1_771_351_900L;
    private static final String[] IDENTITIES = {"ana", "ben", "cy", "dee", "eve", "fox"};
    private static final String[] KINDS = {"STANDARD", "STANDARD", "STANDARD", "AGENT", "SIP"};
    private static final String[] REASONS = {"CLIENT_INITIATED", "CLIENT_INITIATED", "SIGNAL_CLOSE",
            "PARTICIPANT_REMOVED", "CONNECTION_TIMEOUT", "UNKNOWN_REASON"};
    private static final String[][] TRACK_KINDS = {{"AUDIO", "MICROPHONE"}, {"VIDEO", "CAMERA"},
            {"VIDEO", "SCREEN_SHARE"}, {"AUDIO", "SCREEN_SHARE_AUDIO"}};
    private static final String[] EGRESS_ENDS = {"EGRESS_COMPLETE", "EGRESS_COMPLETE", "EGRESS_FAILED",
            "EGRESS_ABORTED", "EGRESS_LIMIT_REACHED"};

    /** One event as LiveKit sends it, and what it is about. */
    record Sent(String queueKey, String id, String type, long atS, String roomSid, String participantSid,
            String trackSid, String egressId, Obj body) {}

    /** The events of each queue key, in the order LiveKit sends them. */
    final Map<String, List<Sent>> streams = new LinkedHashMap<>();
    final Map<String, Room> rooms = new LinkedHashMap<>();
    final Map<String, Session> sessions = new LinkedHashMap<>();
    final Map<String, Track> tracks = new LinkedHashMap<>();
    final Map<String, Egress> egress = new LinkedHashMap<>();
    /** Which of the interesting turns this history took, for the property's statistics. */
    final Set<String> features = new java.util.TreeSet<>();
    static final List<String> FEATURES = List.of("reconnect, old left before new join",
            "reconnect, old left after new join", "connection aborted", "room closed on participants",
            "room still open", "room name reused", "egress", "track published");
    private final Random random;
    private int ids;

    private RoomHistory(Random random) {
        this.random = random;
    }

    static RoomHistory generate(long seed, int roomCount, int steps) {
        RoomHistory history = new RoomHistory(new Random(seed));
        history.play(roomCount, steps);
        return history;
    }

    int size() {
        return streams.values().stream().mapToInt(List::size).sum();
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("RoomHistory of " + size() + " events:");
        streams.forEach((key, events) -> {
            out.append("\n  ").append(key).append(':');
            events.forEach(e -> out.append("\n    ").append(e.id()).append(' ').append(e.type()).append(" t+")
                    .append(e.atS() - T0).append(e.participantSid() == null ? "" : " " + e.participantSid())
                    .append(e.trackSid() == null ? "" : " " + e.trackSid()));
        });
        return out.toString();
    }

    // -- simulation -----------------------------------------------------------------------------------

    /** A connection as the simulated server sees it. */
    private static final class Live {
        final String sid;
        final String identity;
        final String kind;
        final long joinedAtMs;
        final List<String> tracks = new ArrayList<>();
        boolean replaced; // its identity reconnected with a new sid; its leave is still to come

        Live(String sid, String identity, String kind, long joinedAtMs) {
            this.sid = sid;
            this.identity = identity;
            this.kind = kind;
            this.joinedAtMs = joinedAtMs;
        }
    }

    private void play(int roomCount, int steps) {
        int names = 1 + random.nextInt(Math.min(roomCount, 3));
        List<List<Integer>> roomsByName = new ArrayList<>();
        for (int n = 0; n < names; n++) {
            roomsByName.add(new ArrayList<>());
        }
        for (int r = 0; r < roomCount; r++) {
            roomsByName.get(r % names).add(r);
        }
        for (int n = 0; n < names; n++) {
            String name = "room-" + n;
            long t = T0 + random.nextInt(50);
            List<Integer> ofName = roomsByName.get(n);
            if (ofName.size() > 1) {
                features.add("room name reused");
            }
            for (int i = 0; i < ofName.size(); i++) {
                boolean last = i == ofName.size() - 1;
                // a name is reused only once its room is over; the last room may still be running
                t = playRoom("RM_" + ofName.get(i), name, t, steps, !last || random.nextInt(4) != 0) + 1;
            }
        }
    }

    /** Plays one room from room_started; returns the time of its last event. */
    private long playRoom(String roomSid, String name, long start, int steps, boolean finish) {
        long t = start;
        long createdMs = t * 1000 - 1 - random.nextInt(999);
        Obj fullRoom = room(roomSid, name, createdMs);
        send(name, "room_started", t, roomSid, null, null, null, new Obj().obj("room", fullRoom));
        rooms.put(roomSid, new Room(roomSid, name, Room.ACTIVE, createdMs, "room_started", null, null, "", 0, t * 1000));
        Map<String, Live> live = new LinkedHashMap<>();
        int egresses = 0;
        int count = steps / 2 + random.nextInt(steps / 2 + 1);
        for (int step = 0; step < count; step++) {
            t += random.nextInt(3);
            List<Live> active = live.values().stream().filter(p -> !p.replaced).toList();
            List<Live> replaced = live.values().stream().filter(p -> p.replaced).toList();
            switch (random.nextInt(14)) {
                case 0, 1, 2 -> {
                    String identity = freeIdentity(live);
                    if (identity != null) {
                        join(roomSid, name, fullRoom, live, identity, t);
                    }
                }
                case 3 -> {
                    String identity = freeIdentity(live);
                    if (identity != null) {
                        features.add("connection aborted");
                        aborted(roomSid, name, fullRoom, identity, t);
                    }
                }
                case 4, 5, 6 -> {
                    if (!active.isEmpty()) {
                        Live p = pick(active);
                        if (p.tracks.size() < 3) {
                            features.add("track published");
                            publish(roomSid, name, p, t);
                        }
                    }
                }
                case 7, 8 -> {
                    List<Live> publishing = active.stream().filter(p -> !p.tracks.isEmpty()).toList();
                    if (!publishing.isEmpty()) {
                        Live p = pick(publishing);
                        unpublish(roomSid, name, p, pick(p.tracks), t);
                    }
                }
                case 9, 10 -> {
                    if (!active.isEmpty()) {
                        leave(roomSid, name, fullRoom, live, pick(active), pick(REASONS), t);
                    }
                }
                case 11 -> {
                    List<Live> reconnectable = active.stream().filter(p -> replaced.stream()
                            .noneMatch(o -> o.identity.equals(p.identity))).toList();
                    if (!reconnectable.isEmpty()) {
                        Live old = pick(reconnectable);
                        if (random.nextBoolean()) {
                            leave(roomSid, name, fullRoom, live, old, "DUPLICATE_IDENTITY", t);
                            features.add("reconnect, old left before new join");
                        } else {
                            old.replaced = true; // its leave comes after the new join, some time later
                            features.add("reconnect, old left after new join");
                        }
                        join(roomSid, name, fullRoom, live, old.identity, t);
                    }
                }
                case 12 -> {
                    if (!replaced.isEmpty()) {
                        leave(roomSid, name, fullRoom, live, pick(replaced), "DUPLICATE_IDENTITY", t);
                    }
                }
                default -> {
                    if (egresses < 2) {
                        features.add("egress");
                        playEgress(roomSid + "_EG" + egresses++, roomSid, name, t);
                    }
                }
            }
        }
        for (Live old : List.copyOf(live.values())) {
            if (old.replaced) {
                t += random.nextInt(2);
                leave(roomSid, name, fullRoom, live, old, "DUPLICATE_IDENTITY", t);
            }
        }
        if (!finish) {
            features.add("room still open");
            return t;
        }
        // Everyone leaves, or the room is closed on them: LiveKit then sends their leaves itself.
        boolean closed = random.nextBoolean();
        if (closed && !live.isEmpty()) {
            features.add("room closed on participants");
        }
        for (Live p : List.copyOf(live.values())) {
            t += closed ? 0 : random.nextInt(3);
            leave(roomSid, name, fullRoom, live, p, closed ? "ROOM_DELETED" : "CLIENT_INITIATED", t);
        }
        t += random.nextInt(3);
        send(name, "room_finished", t, roomSid, null, null, null, new Obj().obj("room", fullRoom));
        Room r = rooms.get(roomSid);
        rooms.put(roomSid, new Room(r.sid(), r.name(), Room.FINISHED, r.startedAtMs(), r.startSource(), t * 1000,
                "room_finished", r.metadata(), r.peakParticipants(), t * 1000));
        return t;
    }

    private void join(String roomSid, String name, Obj fullRoom, Map<String, Live> live, String identity, long t) {
        String sid = "PA_" + roomSid + "_" + ids++;
        String kind = pick(KINDS);
        long joinedAtMs = t * 1000 - 1 - random.nextInt(999);
        String metadata = random.nextBoolean() ? "" : "{\"v\":1}";
        send(name, "participant_joined", t, roomSid, sid, null, null, new Obj().obj("room", fullRoom)
                .obj("participant", participant(sid, identity, "ACTIVE", joinedAtMs).str("name", identity.toUpperCase())
                        .enumName("kind", kind, "STANDARD").str("metadata", metadata)));
        live.put(sid, new Live(sid, identity, kind, joinedAtMs));
        sessions.put(sid, new Session(sid, roomSid, name, identity, identity.toUpperCase(), kind, metadata, joinedAtMs,
                "participant_joined", null, null, "ACTIVE", null, t * 1000));
        presence(roomSid, live, t);
    }

    private void aborted(String roomSid, String name, Obj fullRoom, String identity, long t) {
        String sid = "PA_" + roomSid + "_" + ids++;
        long joinedAtMs = t * 1000 - 1 - random.nextInt(999);
        send(name, "participant_connection_aborted", t, roomSid, sid, null, null, new Obj().obj("room", fullRoom)
                .obj("participant", participant(sid, identity, "JOINED", joinedAtMs).str("name", identity.toUpperCase())
                        .str("disconnectReason", "CONNECTION_TIMEOUT")));
        sessions.put(sid, new Session(sid, roomSid, name, identity, identity.toUpperCase(), "STANDARD", "", joinedAtMs,
                "connection_aborted", t * 1000, "connection_aborted", "JOINED", "CONNECTION_TIMEOUT", t * 1000));
        presence(roomSid, Map.of(), t);
    }

    private void publish(String roomSid, String name, Live p, long t) {
        String trackSid = "TR_" + roomSid + "_" + ids++;
        String[] kind = pick(TRACK_KINDS);
        Obj info = track(trackSid, kind[0], kind[1]);
        send(name, "track_published", t, roomSid, p.sid, trackSid, null, new Obj().obj("room", partialRoom(roomSid, name))
                .obj("participant", partialParticipant(p.sid, p.identity)).obj("track", info));
        p.tracks.add(trackSid);
        tracks.put(trackSid, new Track(trackSid, p.sid, roomSid, kind[0], kind[1],
                "VIDEO".equals(kind[0]) ? "video/VP8" : "audio/opus", "", t * 1000, "track_published", null, null));
    }

    private void unpublish(String roomSid, String name, Live p, String trackSid, long t) {
        Track track = tracks.get(trackSid);
        send(name, "track_unpublished", t, roomSid, p.sid, trackSid, null, new Obj()
                .obj("room", partialRoom(roomSid, name)).obj("participant", partialParticipant(p.sid, p.identity))
                .obj("track", track(trackSid, track.type(), track.source())));
        p.tracks.remove(trackSid);
        tracks.put(trackSid, new Track(track.sid(), track.participantSid(), track.roomSid(), track.type(),
                track.source(), track.mimeType(), track.name(), track.publishedAtMs(), track.publishSource(), t * 1000,
                "track_unpublished"));
    }

    /** LiveKit unpublishes every open track of a leaving participant, then sends participant_left. */
    private void leave(String roomSid, String name, Obj fullRoom, Map<String, Live> live, Live p, String reason, long t) {
        for (String trackSid : List.copyOf(p.tracks)) {
            unpublish(roomSid, name, p, trackSid, t);
        }
        Session s = sessions.get(p.sid);
        String metadata = random.nextInt(3) == 0 ? "{\"v\":2}" : s.metadata(); // updated while in the room
        send(name, "participant_left", t, roomSid, p.sid, null, null, new Obj().obj("room", fullRoom)
                .obj("participant", participant(p.sid, p.identity, "DISCONNECTED", p.joinedAtMs).str("name", s.name())
                        .enumName("kind", p.kind, "STANDARD").str("metadata", metadata)
                        .enumName("disconnectReason", reason, "UNKNOWN_REASON")));
        live.remove(p.sid);
        sessions.put(p.sid, new Session(s.sid(), s.roomSid(), s.roomName(), s.identity(), s.name(), s.kind(), metadata,
                s.joinedAtMs(), s.startSource(), t * 1000, "participant_left", "DISCONNECTED", reason, t * 1000));
        presence(roomSid, live, t);
    }

    /** The room's peak of distinct identities present and its last participant event, as livehook counts them. */
    private void presence(String roomSid, Map<String, Live> live, long t) {
        Set<String> present = new LinkedHashSet<>();
        live.values().forEach(p -> present.add(p.identity));
        Room r = rooms.get(roomSid);
        rooms.put(roomSid, new Room(r.sid(), r.name(), r.status(), r.startedAtMs(), r.startSource(), r.finishedAtMs(),
                r.endSource(), r.metadata(), Math.max(r.peakParticipants(), present.size()),
                Math.max(r.lastEventMs(), t * 1000)));
    }

    /** An egress of the room: starting, maybe active, maybe ending, maybe ended; its own queue key. */
    private void playEgress(String egressId, String roomSid, String name, long t) {
        long updated = t * 1_000_000_000L + random.nextInt(1_000_000);
        long startedAt = 0;
        long endedAt = 0;
        String status = "EGRESS_STARTING";
        String error = "";
        sendEgress(egressId, "egress_started", t, roomSid, name, status, startedAt, endedAt, updated, error);
        int phases = random.nextInt(4);
        if (phases >= 1) {
            t += 1 + random.nextInt(3);
            updated = t * 1_000_000_000L + random.nextInt(1_000_000);
            startedAt = updated;
            status = "EGRESS_ACTIVE";
            sendEgress(egressId, "egress_updated", t, roomSid, name, status, startedAt, endedAt, updated, error);
        }
        if (phases >= 2 && random.nextBoolean()) {
            t += random.nextInt(3);
            updated += 1 + random.nextInt(1_000_000);
            status = "EGRESS_ENDING";
            sendEgress(egressId, "egress_updated", t, roomSid, name, status, startedAt, endedAt, updated, error);
        }
        if (phases >= 2) {
            t += random.nextInt(3);
            updated += 1 + random.nextInt(1_000_000);
            endedAt = updated;
            status = pick(EGRESS_ENDS);
            error = "EGRESS_FAILED".equals(status) ? "pipeline failed" : "";
            sendEgress(egressId, "egress_ended", t, roomSid, name, status, startedAt, endedAt, updated, error);
        }
        egress.put(egressId, new Egress(egressId, roomSid, name, status, startedAt == 0 ? null : startedAt,
                endedAt == 0 ? null : endedAt, updated, error, "{}"));
    }

    private void sendEgress(String egressId, String type, long t, String roomSid, String name, String status,
            long startedAt, long endedAt, long updated, String error) {
        send(egressId, type, t, roomSid, null, null, egressId, new Obj().obj("egressInfo",
                egress(egressId, roomSid, name, status, startedAt, endedAt, updated).str("error", error)));
    }

    private void send(String queueKey, String type, long t, String roomSid, String participantSid, String trackSid,
            String egressId, Obj fields) {
        String id = "EV_" + Integer.toString(ids++, 36) + "x" + Long.toString(random.nextLong() & 0xffffffffL, 36);
        Obj body = event(id, type, t);
        body.fields.putAll(fields.fields);
        streams.computeIfAbsent(queueKey, k -> new ArrayList<>())
                .add(new Sent(queueKey, id, type, t, roomSid, participantSid, trackSid, egressId, body));
    }

    private String freeIdentity(Map<String, Live> live) {
        List<String> free = new ArrayList<>(List.of(IDENTITIES));
        live.values().forEach(p -> free.remove(p.identity));
        return free.isEmpty() ? null : pick(free);
    }

    private <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    private <T> T pick(T[] items) {
        return items[random.nextInt(items.length)];
    }
}
