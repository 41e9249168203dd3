package io.livehook.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livehook.simulate.StateCheck.Kind;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A constructed truth against room documents shaped like {@code GET /api/rooms/{sid}}: every kind of
 * difference is found, and nothing else is.
 */
class StateCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

    private final GroundTruth truth = new GroundTruth();
    private final SimulatedRoom open = new SimulatedRoom("RM_open", "sim-a-1", T, 300, 20, 10);
    private final SimulatedRoom done = new SimulatedRoom("RM_done", "sim-a-2", T, 300, 20, 10);
    private final SimulatedRoom idle = new SimulatedRoom("RM_idle", "sim-a-3", T, 300, 20, 10);
    private final Participant ana = participant("PA_ana", "user-1");
    private final Participant bo = participant("PA_bo", "user-2");
    private final Participant cy = participant("PA_cy", "user-3");
    private final SimulatedTrack mic = new SimulatedTrack("TR_mic", "PA_ana", SimulatedTrack.Source.MICROPHONE, "microphone", "audio/opus", 0, 0,
            false, T);
    private final SimulatedTrack cam = new SimulatedTrack("TR_cam", "PA_ana", SimulatedTrack.Source.CAMERA, "camera", "video/VP8", 1280, 720,
            true, T);

    /**
     * ana is in the open room with a microphone (the camera came and went); bo left; cy never connected to
     * the finished room; nobody came to the idle room yet.
     */
    StateCheckTest() {
        truth.roomStarted(open);
        truth.joined(open, ana);
        truth.published(open, mic);
        truth.published(open, cam);
        truth.unpublished(cam, T.plusSeconds(5));
        truth.joined(open, bo);
        truth.left(bo, T.plusSeconds(9), "CLIENT_INITIATED");
        truth.roomStarted(done);
        truth.aborted(done, cy, T.plusSeconds(1), "JOIN_FAILURE");
        truth.roomFinished(done, T.plusSeconds(20));
        truth.roomStarted(idle);
        truth.egress(new SimulatedEgress("EG_rec", open.sid(), open.name(), SimulatedEgress.COMPLETE, T,
                T.plusSeconds(30), T.plusSeconds(30), null, "rec.mp4", 1000));
    }

    /** What livehook shows when it saw every event. */
    private List<ObjectNode> documents() {
        ObjectNode first = room(open, "active");
        session(first, ana, true, "participant_joined", null);
        session(first, bo, false, "participant_joined", "participant_left");
        track(first, mic, true);
        track(first, cam, false);
        ((ArrayNode) first.get("egress")).addObject().put("egress_id", "EG_rec").put("status", "EGRESS_COMPLETE");
        ObjectNode second = room(done, "finished");
        session(second, cy, false, "connection_aborted", "connection_aborted");
        return List.of(first, second, room(idle, "active"));
    }

    @Test
    void identicalStateHasNoMismatch() {
        StateCheck.Result result = check(documents(), Set.of());

        assertThat(result.total()).isZero();
        assertThat(result.counts()).containsOnlyKeys(Kind.values()).allSatisfy((kind, n) -> assertThat(n).isZero());
        assertThat(result.rooms()).isEqualTo(3);
        assertThat(result.sessions()).isEqualTo(3);
        assertThat(result.tracks()).isEqualTo(2);
        assertThat(result.egresses()).isEqualTo(1);
    }

    /** bo's join and leave, and his camera's publish and unpublish, all lost: nothing could know of them. */
    @Test
    void whatIsOverAndWasNeverToldOf_inARoomThatLostEvents_isCountedApart() {
        truth.published(open, new SimulatedTrack("TR_bocam", "PA_bo", SimulatedTrack.Source.CAMERA, "camera",
                "video/VP8", 0, 0, false, T));
        truth.unpublished(truth.tracks().get("TR_bocam").track(), T.plusSeconds(8));
        List<ObjectNode> docs = documents();
        ((ArrayNode) docs.get(0).get("sessions")).remove(1);

        StateCheck.Result lossy = check(docs, Set.of(open.name()));
        assertThat(lossy.total()).isZero();
        assertThat(lossy.unseenSessions()).isEqualTo(1);
        assertThat(lossy.unseenTracks()).isEqualTo(1);
        assertThat(lossy.text()).contains("never told of             1 sessions, 1 tracks");
        assertThat(lossy.json().get("never_told_sessions").asLong()).isEqualTo(1);

        StateCheck.Result lossless = check(docs, Set.of());
        assertThat(lossless.counts().get(Kind.SESSION_MISSING)).as("a room that lost nothing has no excuse").isEqualTo(1);
        assertThat(lossless.counts().get(Kind.TRACK_MISSING)).isEqualTo(1);
        assertThat(lossless.unseenSessions()).isZero();
    }

    @Test
    void aRoomDeletedWithPeopleInIt_endsTheirSessionsAndTracksInTheTruth() {
        truth.roomFinished(open, T.plusSeconds(60));

        assertThat(truth.sessions().get("PA_ana").end()).isEqualTo(GroundTruth.Session.End.LEFT);
        assertThat(truth.sessions().get("PA_ana").endedAt()).isEqualTo(T.plusSeconds(60));
        assertThat(truth.sessions().get("PA_bo").endedAt()).as("already gone").isEqualTo(T.plusSeconds(9));
        assertThat(truth.tracks().get("TR_mic").unpublishedAt()).isEqualTo(T.plusSeconds(60));
        assertThat(truth.tracks().get("TR_cam").unpublishedAt()).isEqualTo(T.plusSeconds(5));
        assertThat(truth.connected(open.name())).isEmpty();
        assertThat(truth.published("PA_ana")).isEmpty();
    }

    @Test
    void everyKindOfDifferenceIsFoundAndCountedOnce() {
        Map<Kind, Consumer<List<ObjectNode>>> breakers = new EnumMap<>(Kind.class);
        breakers.put(Kind.ROOM_MISSING, docs -> docs.remove(2));
        breakers.put(Kind.ROOM_STATUS, docs -> docs.get(1).put("status", "active"));
        breakers.put(Kind.SESSION_MISSING, docs -> ((ArrayNode) docs.get(1).get("sessions")).removeAll());
        breakers.put(Kind.SESSION_UNEXPECTED, docs -> session(docs.get(1), participant("PA_ghost", "user-9"), true,
                "inferred", null));
        breakers.put(Kind.SESSION_STATUS, docs -> ((ObjectNode) docs.get(0).get("sessions").get(1)).put("open", true));
        breakers.put(Kind.SESSION_IDENTITY, docs -> ((ObjectNode) docs.get(0).get("sessions").get(0))
                .put("identity", "user-7"));
        breakers.put(Kind.SESSION_ROOM, docs -> {
            ArrayNode sessions = (ArrayNode) docs.get(0).get("sessions");
            ((ArrayNode) docs.get(1).get("sessions")).add(sessions.remove(1));
        });
        breakers.put(Kind.TRACK_MISSING, docs -> ((ArrayNode) docs.get(0).get("tracks")).remove(0));
        breakers.put(Kind.TRACK_UNEXPECTED, docs -> track(docs.get(1), new SimulatedTrack("TR_ghost", "PA_cy",
                SimulatedTrack.Source.CAMERA, "camera", "video/VP8", 0, 0, false, T), true));
        breakers.put(Kind.TRACK_STATUS, docs -> ((ObjectNode) docs.get(0).get("tracks").get(1)).put("open", true));
        breakers.put(Kind.TRACK_OWNER, docs -> ((ObjectNode) docs.get(0).get("tracks").get(0))
                .put("participant_sid", "PA_bo"));
        breakers.put(Kind.EGRESS_MISSING, docs -> ((ArrayNode) docs.get(0).get("egress")).removeAll());
        breakers.put(Kind.EGRESS_STATUS, docs -> ((ObjectNode) docs.get(0).get("egress").get(0))
                .put("status", "EGRESS_ACTIVE"));

        assertThat(breakers).as("a case for every kind").containsOnlyKeys(Kind.values());
        for (Map.Entry<Kind, Consumer<List<ObjectNode>>> breaker : breakers.entrySet()) {
            List<ObjectNode> docs = new java.util.ArrayList<>(documents());
            breaker.getValue().accept(docs);
            StateCheck.Result result = check(docs, Set.of());
            assertThat(result.counts().get(breaker.getKey())).as(breaker.getKey() + "\n" + result.text()).isEqualTo(1);
            assertThat(result.total()).as(breaker.getKey() + "\n" + result.text()).isEqualTo(1);
            assertThat(result.examples()).singleElement().extracting(StateCheck.Mismatch::kind).isEqualTo(breaker.getKey());
        }
    }

    @Test
    void aSessionWhoseIdentityLivehookDoesNotKnowIsAnIdentityMismatch() {
        List<ObjectNode> docs = documents();
        ((ObjectNode) docs.get(0).get("sessions").get(0)).putNull("identity");

        StateCheck.Result result = check(docs, Set.of());

        assertThat(result.counts().get(Kind.SESSION_IDENTITY)).isEqualTo(1);
        assertThat(result.examples().get(0).actual()).isNull();
    }

    @Test
    void endsAndStartsLivehookFilledInMatchWhateverTheirSourceAndTime() {
        List<ObjectNode> docs = documents();
        ObjectNode bob = (ObjectNode) docs.get(0).get("sessions").get(1);
        bob.put("end_source", "reconciled").put("left_at_ms", T.plusSeconds(300).toEpochMilli());
        ((ObjectNode) docs.get(0).get("sessions").get(0)).put("start_source", "reconciled");
        ((ObjectNode) docs.get(0).get("tracks").get(1)).put("end_source", "participant_left");

        assertThat(check(docs, Set.of()).total()).isZero();
    }

    @Test
    void aMismatchInARoomThatLostEventsIsExplainedAndUnexplainedOnesAreListedFirst() {
        List<ObjectNode> docs = documents();
        docs.get(1).put("status", "active");
        ((ObjectNode) docs.get(0).get("sessions").get(1)).put("open", true);

        StateCheck.Result result = check(docs, Set.of(done.name()));

        assertThat(result.total()).isEqualTo(2);
        assertThat(result.explained()).isEqualTo(1);
        assertThat(result.unexplained()).isEqualTo(1);
        assertThat(result.examples()).extracting(StateCheck.Mismatch::kind).containsExactly(Kind.SESSION_STATUS,
                Kind.ROOM_STATUS);
        assertThat(result.text()).contains("2 mismatches (1 in rooms that lost events, 1 unexplained)")
                .contains("session_status PA_bo in sim-a-1: expected ended, livehook has open (room lost no event)");
        JsonNode json = result.json();
        assertThat(json.get("mismatches").asLong()).isEqualTo(2);
        assertThat(json.get("unexplained").asLong()).isEqualTo(1);
        assertThat(json.get("by_kind").get("room_status").asLong()).isEqualTo(1);
        assertThat(json.get("examples").get(0).get("explained").asBoolean()).isFalse();
    }

    @Test
    void listsAreBoundedButCountsAreNot() {
        for (int i = 0; i < StateCheck.EXAMPLES + 5; i++) {
            truth.joined(open, participant("PA_extra" + i, "extra-" + i));
        }
        StateCheck.Result result = check(documents(), Set.of());

        assertThat(result.counts().get(Kind.SESSION_MISSING)).isEqualTo(StateCheck.EXAMPLES + 5);
        assertThat(result.examples()).hasSize(StateCheck.EXAMPLES);
        assertThat(result.text()).contains("... and 5 more");
    }

    @Test
    void roomsThatLostEventsAreThoseWithAnUndeliveredEvent() {
        GroundTruth run = new GroundTruth();
        run.add(new GeneratedEvent("EV_1", "room_started", "r1", "r1", T, new byte[0]));
        run.add(new GeneratedEvent("EV_2", "egress_started", "r2", "EG_1", T, new byte[0]));
        run.add(new GeneratedEvent("EV_3", "room_started", "r3", "r3", T, new byte[0]));
        List<SimulatedDelivery> deliveries = List.of(new SimulatedDelivery("EV_1", "r1", DeliveryOutcome.DELIVERED, List.of()),
                new SimulatedDelivery("EV_2", "EG_1", DeliveryOutcome.TOO_OLD, List.of()),
                new SimulatedDelivery("EV_3", "r3", DeliveryOutcome.SIMULATED_LOSS, List.of()));

        assertThat(StateCheck.roomsWithLosses(run, deliveries)).containsExactlyInAnyOrder("r2", "r3");
    }

    @Test
    void aDocumentThatIsNotARoomIsRefused() {
        ObjectNode notARoom = JSON.createObjectNode().put("message", "no room");

        assertThatThrownBy(() -> LivehookState.fromRoomDocuments(List.of(notARoom)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a livehook room document");
    }

    private StateCheck.Result check(List<ObjectNode> docs, Set<String> lost) {
        return StateCheck.compare(truth, LivehookState.fromRoomDocuments(List.copyOf(docs)), lost);
    }

    private static Participant participant(String sid, String identity) {
        return new Participant(sid, identity, "Ana", "STANDARD", "", T);
    }

    private static ObjectNode room(SimulatedRoom room, String status) {
        ObjectNode node = JSON.createObjectNode().put("sid", room.sid()).put("name", room.name()).put("status", status)
                .put("start_source", "room_started");
        node.putArray("current_participants");
        node.putArray("sessions");
        node.putArray("tracks");
        node.putArray("egress");
        return node;
    }

    private static void session(ObjectNode room, Participant p, boolean open, String startSource, String endSource) {
        ((ArrayNode) room.get("sessions")).addObject().put("sid", p.sid()).put("room_sid", room.get("sid").asText())
                .put("room_name", room.get("name").asText()).put("identity", p.identity())
                .put("joined_at_ms", T.toEpochMilli()).put("start_source", startSource).put("end_source", endSource)
                .put("open", open);
    }

    private static void track(ObjectNode room, SimulatedTrack t, boolean open) {
        ((ArrayNode) room.get("tracks")).addObject().put("sid", t.sid()).put("participant_sid", t.participantSid())
                .put("room_sid", room.get("sid").asText()).put("open", open);
    }
}
