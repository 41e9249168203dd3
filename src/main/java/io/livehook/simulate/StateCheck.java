package io.livehook.simulate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares livehook's state with what really happened in a run: every room of the run open or finished,
 * every participant session (by sid) in the right room under the right identity and open or ended, every
 * track (by sid) of the right participant and published or unpublished, every egress (by id) in its last status.
 * A session or track that is over and that livehook never heard of, in a room that lost events, had its start
 * and its end both lost: no one can know of it any more, so it is counted apart, not as a mismatch. Only open/ended is compared, never times or how an end is known:
 * an end livehook inferred from room_finished, or that reconciliation filled in, matches when it is an end.
 *
 * <p>Rooms that lost events on the way (dropped by LiveKit's rules or on purpose) may legitimately differ,
 * so each mismatch says whether its room lost any: mismatches in rooms that lost nothing are unexplained.
 */
public final class StateCheck {
    /** How many mismatches a result keeps in full; counts cover them all. */
    public static final int EXAMPLES = 20;

    public enum Kind {
        ROOM_MISSING("room_missing"),
        ROOM_STATUS("room_status"),
        SESSION_MISSING("session_missing"),
        SESSION_UNEXPECTED("session_unexpected"),
        SESSION_STATUS("session_status"),
        SESSION_IDENTITY("session_identity"),
        SESSION_ROOM("session_room"),
        TRACK_MISSING("track_missing"),
        TRACK_UNEXPECTED("track_unexpected"),
        TRACK_STATUS("track_status"),
        /** The track belongs to another participant than the one that published it. */
        TRACK_OWNER("track_owner"),
        EGRESS_MISSING("egress_missing"),
        EGRESS_STATUS("egress_status");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One difference; {@code explained} when its room lost events on the way. */
    public record Mismatch(Kind kind, String sid, String roomName, String expected, String actual, boolean explained) {}

    /**
     * Counts per kind (every kind, zeros included) and up to {@link #EXAMPLES} mismatches, the unexplained
     * ones first since they are the ones that point at livehook.
     */
    public record Result(int rooms, int sessions, int tracks, int egresses, Map<Kind, Long> counts, long explained,
            List<Mismatch> examples, long unseenSessions, long unseenTracks) {
        public Result {
            counts = Collections.unmodifiableMap(new EnumMap<>(counts));
            examples = List.copyOf(examples);
        }

        public long total() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }

        public long unexplained() {
            return total() - explained;
        }

        public String text() {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "verify             %d rooms, %d sessions, %d tracks, %d egresses compared "
                    + "with livehook: %d mismatches (%d in rooms that lost events, %d unexplained)%n",
                    rooms, sessions, tracks, egresses, total(), explained, unexplained()));
            if (unseenSessions + unseenTracks > 0) {
                out.append(String.format(Locale.ROOT, "  never told of     %9d sessions, %d tracks: their start and end both "
                        + "lost, over before anyone could ask LiveKit (not counted as mismatches)%n", unseenSessions,
                        unseenTracks));
            }
            for (Map.Entry<Kind, Long> count : counts.entrySet()) {
                if (count.getValue() > 0) {
                    out.append(String.format(Locale.ROOT, "  %-17s%9d%n", count.getKey().label(), count.getValue()));
                }
            }
            for (Mismatch m : examples) {
                out.append(String.format(Locale.ROOT, "  %s %s in %s: expected %s, livehook has %s%s%n", m.kind().label(),
                        m.sid(), m.roomName(), m.expected(), m.actual(), m.explained() ? "" : " (room lost no event)"));
            }
            if (total() > examples.size()) {
                out.append(String.format(Locale.ROOT, "  ... and %d more%n", total() - examples.size()));
            }
            return out.toString();
        }

        public ObjectNode json() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("rooms", rooms).put("sessions", sessions).put("tracks", tracks).put("egresses", egresses);
        node.put("never_told_sessions", unseenSessions).put("never_told_tracks", unseenTracks);
            node.put("mismatches", total()).put("explained_by_losses", explained).put("unexplained", unexplained());
            ObjectNode byKind = node.putObject("by_kind");
            counts.forEach((kind, n) -> byKind.put(kind.label(), n));
            ArrayNode list = node.putArray("examples");
            for (Mismatch m : examples) {
                list.addObject().put("kind", m.kind().label()).put("sid", m.sid()).put("room", m.roomName())
                        .put("expected", m.expected()).put("actual", m.actual()).put("explained", m.explained());
            }
            return node;
        }
    }

    private final Set<String> roomsWithLosses;
    private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    private final List<Mismatch> unexplainedExamples = new ArrayList<>();
    private final List<Mismatch> explainedExamples = new ArrayList<>();
    private long explained;
    private long unseenSessions;
    private long unseenTracks;

    private StateCheck(Set<String> roomsWithLosses) {
        this.roomsWithLosses = roomsWithLosses;
        for (Kind kind : Kind.values()) {
            counts.put(kind, 0L);
        }
    }

    /** The names of the rooms at least one of whose events did not reach the receiver with a 2xx. */
    public static Set<String> roomsWithLosses(GroundTruth truth, Collection<SimulatedDelivery> deliveries) {
        Map<String, String> roomOf = new LinkedHashMap<>();
        for (GroundTruth.Event event : truth.events()) {
            roomOf.put(event.id(), event.roomName());
        }
        Set<String> rooms = new HashSet<>();
        for (SimulatedDelivery delivery : deliveries) {
            if (delivery.outcome() != DeliveryOutcome.DELIVERED) {
                rooms.add(roomOf.getOrDefault(delivery.eventId(), delivery.queueKey()));
            }
        }
        return rooms;
    }

    public static Result compare(GroundTruth truth, LivehookState state, Set<String> roomsWithLosses) {
        StateCheck check = new StateCheck(Set.copyOf(roomsWithLosses));
        check.rooms(truth, state);
        check.sessions(truth, state);
        check.tracks(truth, state);
        check.egresses(truth, state);
        List<Mismatch> examples = new ArrayList<>(check.unexplainedExamples);
        examples.addAll(check.explainedExamples.subList(0, Math.min(check.explainedExamples.size(),
                EXAMPLES - examples.size())));
        return new Result(truth.rooms().size(), truth.sessions().size(), truth.tracks().size(),
                truth.egresses().size(), check.counts, check.explained, examples, check.unseenSessions,
                check.unseenTracks);
    }

    private void rooms(GroundTruth truth, LivehookState state) {
        for (GroundTruth.RoomState room : truth.rooms().values()) {
            LivehookState.RoomView seen = state.rooms().get(room.room().sid());
            String expected = room.open() ? "active" : "finished";
            if (seen == null) {
                add(Kind.ROOM_MISSING, room.room().sid(), room.room().name(), expected, "no room");
            } else if (seen.active() != room.open()) {
                add(Kind.ROOM_STATUS, room.room().sid(), room.room().name(), expected,
                        seen.active() ? "active" : "finished");
            }
        }
    }

    private void sessions(GroundTruth truth, LivehookState state) {
        Set<String> truthRooms = truth.rooms().keySet();
        for (GroundTruth.Session session : truth.sessions().values()) {
            String sid = session.participant().sid();
            LivehookState.SessionView seen = state.sessions().get(sid);
            boolean open = session.end() == GroundTruth.Session.End.CONNECTED;
            if (seen == null) {
                if (!open && roomsWithLosses.contains(session.roomName())) {
                    unseenSessions++; // LiveKit lists it no more, and livehook heard nothing of it
                } else {
                    add(Kind.SESSION_MISSING, sid, session.roomName(), status(open), "no session");
                }
                continue;
            }
            if (!seen.roomName().equals(session.roomName())) {
                add(Kind.SESSION_ROOM, sid, session.roomName(), session.roomName(), seen.roomName());
            }
            if (!Objects.equals(seen.identity(), session.participant().identity())) {
                add(Kind.SESSION_IDENTITY, sid, session.roomName(), session.participant().identity(), seen.identity());
            }
            if (seen.open() != open) {
                add(Kind.SESSION_STATUS, sid, session.roomName(), status(open), status(seen.open()));
            }
        }
        for (LivehookState.SessionView seen : state.sessions().values()) {
            if (truthRooms.contains(seen.roomName()) && !truth.sessions().containsKey(seen.sid())) {
                add(Kind.SESSION_UNEXPECTED, seen.sid(), seen.roomName(), "no session", status(seen.open()));
            }
        }
    }

    private void tracks(GroundTruth truth, LivehookState state) {
        Set<String> truthRooms = truth.rooms().keySet();
        for (GroundTruth.Publication publication : truth.tracks().values()) {
            String sid = publication.track().sid();
            LivehookState.TrackView seen = state.tracks().get(sid);
            boolean published = publication.unpublishedAt() == null;
            if (seen == null) {
                if (!published && roomsWithLosses.contains(publication.roomName())) {
                    unseenTracks++;
                } else {
                    add(Kind.TRACK_MISSING, sid, publication.roomName(), published(published), "no track");
                }
                continue;
            }
            if (seen.open() != published) {
                add(Kind.TRACK_STATUS, sid, publication.roomName(), published(published), published(seen.open()));
            }
            if (!Objects.equals(seen.participantSid(), publication.track().participantSid())) {
                add(Kind.TRACK_OWNER, sid, publication.roomName(), publication.track().participantSid(),
                        seen.participantSid());
            }
        }
        for (LivehookState.TrackView seen : state.tracks().values()) {
            if (truthRooms.contains(seen.roomName()) && !truth.tracks().containsKey(seen.sid())) {
                add(Kind.TRACK_UNEXPECTED, seen.sid(), seen.roomName(), "no track", published(seen.open()));
            }
        }
    }

    private void egresses(GroundTruth truth, LivehookState state) {
        for (SimulatedEgress egress : truth.egresses().values()) {
            LivehookState.EgressView seen = state.egresses().get(egress.egressId());
            if (seen == null) {
                add(Kind.EGRESS_MISSING, egress.egressId(), egress.roomName(), egress.status(), "no egress");
            } else if (!seen.status().equals(egress.status())) {
                add(Kind.EGRESS_STATUS, egress.egressId(), egress.roomName(), egress.status(), seen.status());
            }
        }
    }

    private void add(Kind kind, String sid, String roomName, String expected, String actual) {
        boolean lost = roomsWithLosses.contains(roomName);
        counts.merge(kind, 1L, Long::sum);
        if (lost) {
            explained++;
        }
        List<Mismatch> examples = lost ? explainedExamples : unexplainedExamples;
        if (examples.size() < EXAMPLES) {
            examples.add(new Mismatch(kind, sid, roomName, expected, actual, lost));
        }
    }

    private static String status(boolean open) {
        return open ? "open" : "ended";
    }

    private static String published(boolean open) {
        return open ? "published" : "unpublished";
    }
}
