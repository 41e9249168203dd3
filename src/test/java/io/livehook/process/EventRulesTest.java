package io.livehook.process;

import static io.livehook.simulate.LiveKitBodies.egress;
import static io.livehook.simulate.LiveKitBodies.event;
import static io.livehook.simulate.LiveKitBodies.partialParticipant;
import static io.livehook.simulate.LiveKitBodies.partialRoom;
import static io.livehook.simulate.LiveKitBodies.participant;
import static io.livehook.simulate.LiveKitBodies.room;
import static io.livehook.simulate.LiveKitBodies.track;
import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.state.Anomaly;
import io.livehook.state.Egress;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateBackend;
import io.livehook.state.Track;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One test per rule for a hostile stream, each driven through the real log, processor and state store
 * with bodies written as LiveKit writes them, asserting the exact rows and the anomalies (rows and the
 * {@code livehook.process.anomalies} counter) the rule records; on each database the state can live in.
 */
@ParameterizedClass
@EnumSource(StateBackend.class)
class EventRulesTest {
    static final long T0 = 1_771_351_900L;
    static final String ROOM_SID = "RM_demo1";
    static final String ROOM = "demo";
    static final long ROOM_CREATED_MS = T0 * 1000 - 4_321;

    @Parameter
    StateBackend backend;
    @TempDir
    Path dir;
    ProcessingFixture f;

    @BeforeEach
    void open() {
        f = new ProcessingFixture(dir, backend);
    }

    @AfterEach
    void close() {
        f.close();
    }

    /**
     * createdAt has whole seconds while joinedAtMs and creationTimeMs have milliseconds: a leave (or a
     * room_finished) in the same second as the join is stamped before it. The leave cannot have
     * happened before the join, so the end is the join time then, never a negative duration.
     */
    @Test
    void nothingEndsBeforeItStarted_whenItsEndFallsInTheSameSecondAsItsStart() {
        long roomCreatedMs = ms(50) + 100;
        Obj fullRoom = room(ROOM_SID, ROOM, roomCreatedMs);
        f.appendAll(event("EV_rs", "room_started", T0 + 50).obj("room", fullRoom),
                event("EV_j1", "participant_joined", T0 + 50).obj("room", fullRoom)
                        .obj("participant", participant("PA_1", "alice", "ACTIVE", ms(50) + 400)),
                event("EV_j2", "participant_joined", T0 + 50).obj("room", fullRoom)
                        .obj("participant", participant("PA_2", "bob", "ACTIVE", ms(50) + 600)),
                event("EV_l1", "participant_left", T0 + 50).obj("room", fullRoom)
                        .obj("participant", participant("PA_1", "alice", "DISCONNECTED", ms(50) + 400)),
                event("EV_rf", "room_finished", T0 + 50).obj("room", fullRoom)).awaitCaughtUp();

        assertThat(f.session("PA_1").leftAtMs()).isEqualTo(ms(50) + 400);
        assertThat(f.session("PA_2").leftAtMs()).as("ended by room_finished").isEqualTo(ms(50) + 600);
        assertThat(f.room(ROOM_SID).finishedAtMs()).isEqualTo(roomCreatedMs);
        assertThat(f.sessions()).allSatisfy(s -> assertThat(s.leftAtMs()).isGreaterThanOrEqualTo(s.joinedAtMs()));
    }

    /** A participant seen only after its room finished is ended with the room, but not before it joined. */
    @Test
    void aParticipantSeenAfterItsRoomFinishedIsEndedWithTheRoom_neverBeforeItJoined() {
        f.appendAll(roomStarted("EV_rs", 0), roomFinished("EV_rf", 10),
                event("EV_j1", "participant_joined", T0 + 11).obj("room", room(ROOM_SID, ROOM, ROOM_CREATED_MS))
                        .obj("participant", participant("PA_1", "alice", "ACTIVE", ms(10) + 500)),
                published("EV_p2", 12, "PA_2", "bob", "TR_2", "AUDIO", "MICROPHONE")).awaitCaughtUp();

        assertThat(f.session("PA_1")).extracting(Session::joinedAtMs, Session::leftAtMs, Session::endSource)
                .containsExactly(ms(10) + 500, ms(10) + 500, "room_finished");
        assertThat(f.session("PA_2")).extracting(Session::joinedAtMs, Session::leftAtMs, Session::endSource)
                .containsExactly(ms(12), ms(12), "room_finished");
        assertThat(f.track("TR_2").open()).isFalse();
        assertAnomalies(seen("event_after_room_finished", "PA_1", "alice", "EV_j1"),
                seen("track_from_unknown_participant", "PA_2", "bob", "EV_p2"),
                seen("publish_after_end", "PA_2", "bob", "EV_p2"));
    }

    // -- duplicates ----------------------------------------------------------------------------------

    @Test
    void duplicatesChangeNothing_sameIdAndBytesAreLoggedOnce_andReReadingTheWholeLogChangesNoRow() {
        List<Obj> stream = List.of(
                roomStarted("EV_rs", 0),
                joined("EV_j1", 1, "PA_1", "alice", "m"),
                published("EV_p1", 2, "PA_1", "alice", "TR_1", "VIDEO", "CAMERA"),
                left("EV_l2", 3, "PA_2", "bob", "m", "CLIENT_INITIATED"), // no join: one anomaly
                roomFinished("EV_rf", 9));
        for (Obj body : stream) {
            assertThat(f.append(body).duplicate()).isFalse();
            assertThat(f.append(body).duplicate()).as("a retry of the same event").isTrue();
        }
        f.awaitCaughtUp();
        StateSnapshot first = StateSnapshot.of(f.store);
        assertThat(first.rows("events")).hasSize(5);
        assertThat(f.anomalies()).extracting(Anomaly::kind)
                .containsExactly("left_without_join", "session_ended_by_room_finished");
        assertThat(f.counterSum("livehook.process.events", "outcome", "applied")).isEqualTo(5);

        // A Kafka-like log hands events over again after a restart: re-read everything from offset 0.
        f.restartFrom(0);
        f.awaitCaughtUp();

        assertThat(StateSnapshot.of(f.store)).isEqualTo(first);
        assertThat(f.counterSum("livehook.process.events", "outcome", "duplicate")).isEqualTo(5);
        assertThat(f.counterSum("livehook.process.events", "outcome", "applied")).isZero();
        assertThat(f.counterSum("livehook.process.anomalies")).isZero();
    }

    // -- participant_left before or without participant_joined --------------------------------------

    @Test
    void participantLeftWithoutJoinStillEndsTheSession() {
        f.appendAll(roomStarted("EV_rs", 0), left("EV_l1", 10, "PA_1", "alice", "m", "CLIENT_INITIATED"))
                .awaitCaughtUp();

        assertThat(f.sessions()).containsExactly(new Session("PA_1", ROOM_SID, ROOM, "alice", "Alice", "STANDARD",
                "m", joinedAtMs("PA_1"), "participant_left", ms(10), "participant_left", "DISCONNECTED",
                "CLIENT_INITIATED", ms(10)));
        assertAnomalies(seen("left_without_join", "PA_1", "alice", "EV_l1"));
    }

    @Test
    void aJoinArrivingAfterItsLeftDoesNotReopenTheSession() {
        f.appendAll(roomStarted("EV_rs", 0), left("EV_l1", 10, "PA_1", "alice", "m", "CLIENT_INITIATED"),
                joined("EV_j1", 5, "PA_1", "alice", "m")).awaitCaughtUp();

        Session session = f.session("PA_1");
        assertThat(session.open()).isFalse();
        assertThat(session).isEqualTo(new Session("PA_1", ROOM_SID, ROOM, "alice", "Alice", "STANDARD", "m",
                joinedAtMs("PA_1"), "participant_joined", ms(10), "participant_left", "DISCONNECTED",
                "CLIENT_INITIATED", ms(10)));
        assertThat(f.room(ROOM_SID).peakParticipants()).isZero();
        assertAnomalies(seen("left_without_join", "PA_1", "alice", "EV_l1"),
                seen("join_after_leave", "PA_1", "alice", "EV_j1"));
    }

    /**
     * LiveKit sends participant_joined only once media is connected, and participant_connection_aborted
     * instead of participant_left for a participant that never got there: an aborted connection without a
     * join is the normal stream, so it is an ended session, known from its own event, and no anomaly.
     */
    @Test
    void aConnectionAbortedWithoutJoinIsAnEndedSessionAndNoAnomaly() {
        f.appendAll(roomStarted("EV_rs", 0),
                event("EV_ab1", "participant_connection_aborted", T0 + 7).obj("room", room(ROOM_SID, ROOM, ROOM_CREATED_MS))
                        .obj("participant", participant("PA_1", "alice", "JOINED", joinedAtMs("PA_1"))
                                .str("name", "Alice").enumName("disconnectReason", "CONNECTION_TIMEOUT", "UNKNOWN_REASON")))
                .awaitCaughtUp();

        assertThat(f.sessions()).containsExactly(new Session("PA_1", ROOM_SID, ROOM, "alice", "Alice", "STANDARD", "",
                joinedAtMs("PA_1"), "connection_aborted", ms(7), "connection_aborted", "JOINED", "CONNECTION_TIMEOUT",
                ms(7)));
        assertAnomalies();
    }

    // -- track events for an unknown participant ----------------------------------------------------

    @Test
    void trackEventsFromAnUnknownParticipantInferAnOpenSession() {
        f.appendAll(roomStarted("EV_rs", 0),
                published("EV_p1", 3, "PA_1", "bob", "TR_1", "VIDEO", "CAMERA"),
                unpublished("EV_u2", 4, "PA_2", "carol", "TR_2", "AUDIO", "MICROPHONE")).awaitCaughtUp();

        assertThat(f.sessions()).containsExactly(
                new Session("PA_1", ROOM_SID, ROOM, "bob", "", "STANDARD", "", ms(3), "inferred", null, null, null,
                        null, ms(3)),
                new Session("PA_2", ROOM_SID, ROOM, "carol", "", "STANDARD", "", ms(4), "inferred", null, null, null,
                        null, ms(4)));
        assertThat(f.tracks()).containsExactly(
                new Track("TR_1", "PA_1", ROOM_SID, "VIDEO", "CAMERA", "video/VP8", "", ms(3), "track_published",
                        null, null),
                new Track("TR_2", "PA_2", ROOM_SID, "AUDIO", "MICROPHONE", "audio/opus", "", null, "inferred", ms(4),
                        "track_unpublished"));
        assertThat(f.room(ROOM_SID).peakParticipants()).isEqualTo(2);
        assertAnomalies(seen("track_from_unknown_participant", "PA_1", "bob", "EV_p1"),
                seen("track_from_unknown_participant", "PA_2", "carol", "EV_u2"),
                seen("unpublish_without_publish", "PA_2", "carol", "EV_u2"));
    }

    @Test
    void aLateJoinFillsInTheInferredSessionFromTheParticipantsOwnInfo() {
        f.appendAll(roomStarted("EV_rs", 0),
                published("EV_p1", 3, "PA_1", "bob", "TR_1", "VIDEO", "CAMERA"),
                joined("EV_j1", 2, "PA_1", "bob", "m")).awaitCaughtUp();

        assertThat(f.session("PA_1")).isEqualTo(new Session("PA_1", ROOM_SID, ROOM, "bob", "Bob", "STANDARD", "m",
                joinedAtMs("PA_1"), "participant_joined", null, null, "ACTIVE", null, ms(3)));
        assertAnomalies(seen("track_from_unknown_participant", "PA_1", "bob", "EV_p1"));
    }

    /** The participant_left carries the participant as it left: its metadata is the session's latest. */
    @Test
    void participantLeftBringsTheParticipantsLatestMetadata() {
        f.appendAll(roomStarted("EV_rs", 0),
                joined("EV_j1", 1, "PA_1", "alice", "metadata at join"),
                left("EV_l1", 10, "PA_1", "alice", "metadata at leave", "CLIENT_INITIATED")).awaitCaughtUp();

        assertThat(f.session("PA_1").metadata()).isEqualTo("metadata at leave");
        assertAnomalies();
    }

    /**
     * A session inferred from a track event learns its join time, name and kind from its participant_left
     * (a fact beats an inference); the start is then known from the leave, as for a leave without join.
     */
    @Test
    void participantLeftOfAnInferredSessionGivesItsRealJoinTime() {
        f.appendAll(roomStarted("EV_rs", 0),
                published("EV_p1", 3, "PA_1", "bob", "TR_1", "AUDIO", "MICROPHONE"),
                left("EV_l1", 10, "PA_1", "bob", "m", "CLIENT_INITIATED")).awaitCaughtUp();

        assertThat(f.session("PA_1")).isEqualTo(new Session("PA_1", ROOM_SID, ROOM, "bob", "Bob", "STANDARD", "m",
                joinedAtMs("PA_1"), "participant_left", ms(10), "participant_left", "DISCONNECTED",
                "CLIENT_INITIATED", ms(10)));
        assertAnomalies(seen("track_from_unknown_participant", "PA_1", "bob", "EV_p1"),
                seen("track_ended_by_participant_left", "PA_1", "bob", "EV_l1"));
    }

    // -- participant_left closes that participant's tracks -------------------------------------------

    @Test
    void participantLeftClosesThatParticipantsTracks_andOnlyTheirs() {
        f.appendAll(roomStarted("EV_rs", 0),
                joined("EV_j1", 1, "PA_1", "alice", "m"),
                joined("EV_j2", 1, "PA_2", "bob", "m"),
                published("EV_p1a", 2, "PA_1", "alice", "TR_1a", "AUDIO", "MICROPHONE"),
                published("EV_p1b", 2, "PA_1", "alice", "TR_1b", "VIDEO", "CAMERA"),
                published("EV_p2a", 3, "PA_2", "bob", "TR_2a", "AUDIO", "MICROPHONE"),
                unpublished("EV_u1a", 20, "PA_1", "alice", "TR_1a", "AUDIO", "MICROPHONE"),
                // the track_unpublished of TR_1b was lost
                left("EV_l1", 30, "PA_1", "alice", "m", "CLIENT_INITIATED")).awaitCaughtUp();

        assertThat(f.tracks()).containsExactly(
                new Track("TR_1a", "PA_1", ROOM_SID, "AUDIO", "MICROPHONE", "audio/opus", "", ms(2),
                        "track_published", ms(20), "track_unpublished"),
                new Track("TR_1b", "PA_1", ROOM_SID, "VIDEO", "CAMERA", "video/VP8", "", ms(2), "track_published",
                        ms(30), "participant_left"),
                new Track("TR_2a", "PA_2", ROOM_SID, "AUDIO", "MICROPHONE", "audio/opus", "", ms(3),
                        "track_published", null, null));
        assertThat(f.session("PA_2").open()).isTrue();
        assertAnomalies(seen("track_ended_by_participant_left", "PA_1", "alice", "EV_l1"));
    }

    // -- room_finished closes everything open in the room --------------------------------------------

    @Test
    void roomFinishedClosesEverySessionAndTrackStillOpenInTheRoom_andNothingElsewhere() {
        f.appendAll(roomStarted("EV_rs", 0),
                event("EV_rs_other", "room_started", T0).obj("room", room("RM_other", "other", ROOM_CREATED_MS)),
                event("EV_j_other", "participant_joined", T0 + 1).obj("room", room("RM_other", "other", ROOM_CREATED_MS))
                        .obj("participant", participant("PA_9", "zoe", "ACTIVE", joinedAtMs("PA_9"))),
                joined("EV_j1", 1, "PA_1", "alice", "m"),
                joined("EV_j2", 1, "PA_2", "bob", "m"),
                published("EV_p1", 2, "PA_1", "alice", "TR_1", "VIDEO", "CAMERA"),
                published("EV_p2", 2, "PA_2", "bob", "TR_2", "AUDIO", "MICROPHONE"),
                unpublished("EV_u2", 20, "PA_2", "bob", "TR_2", "AUDIO", "MICROPHONE"),
                left("EV_l2", 20, "PA_2", "bob", "m", "CLIENT_INITIATED"),
                // PA_1's track_unpublished and participant_left were lost
                roomFinished("EV_rf", 40)).awaitCaughtUp();

        Room room = f.room(ROOM_SID);
        assertThat(room).isEqualTo(new Room(ROOM_SID, ROOM, Room.FINISHED, ROOM_CREATED_MS, "room_started", ms(40),
                "room_finished", "", 2, ms(40)));
        assertThat(f.session("PA_1")).isEqualTo(new Session("PA_1", ROOM_SID, ROOM, "alice", "Alice", "STANDARD",
                "m", joinedAtMs("PA_1"), "participant_joined", ms(40), "room_finished", "ACTIVE", null, ms(40)));
        assertThat(f.session("PA_2")).isEqualTo(new Session("PA_2", ROOM_SID, ROOM, "bob", "Bob", "STANDARD", "m",
                joinedAtMs("PA_2"), "participant_joined", ms(20), "participant_left", "DISCONNECTED",
                "CLIENT_INITIATED", ms(20)));
        assertThat(f.track("TR_1")).isEqualTo(new Track("TR_1", "PA_1", ROOM_SID, "VIDEO", "CAMERA", "video/VP8", "",
                ms(2), "track_published", ms(40), "room_finished"));
        assertThat(f.track("TR_2").endSource()).isEqualTo("track_unpublished");
        assertThat(f.session("PA_9").open()).as("a session in another room").isTrue();
        assertThat(f.room("RM_other").active()).isTrue();
        assertAnomalies(seen("session_ended_by_room_finished", "PA_1", "alice", "EV_rf"));
    }

    // -- reconnects: same identity, new sid ----------------------------------------------------------

    /** Every order of the two sessions' joins and lefts: both sessions end up right whatever the order. */
    static Stream<List<String>> reconnectOrders() {
        List<List<String>> orders = new ArrayList<>();
        permute(new ArrayList<>(List.of("join1", "left1", "join2", "left2")), 0, orders);
        return orders.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reconnectOrders")
    void aReconnectKeepsBothSessionsRight_inEveryArrivalOrder(List<String> order) {
        Map<String, Obj> events = new LinkedHashMap<>();
        events.put("join1", joined("EV_join1", 1, "PA_1", "alice", "m"));
        events.put("left1", left("EV_left1", 12, "PA_1", "alice", "m", "DUPLICATE_IDENTITY"));
        events.put("join2", joined("EV_join2", 11, "PA_2", "alice", "m"));
        events.put("left2", left("EV_left2", 50, "PA_2", "alice", "m", "CLIENT_INITIATED"));
        f.append(roomStarted("EV_rs", 0));
        order.forEach(name -> f.append(events.get(name)));
        f.awaitCaughtUp();

        assertThat(f.sessions()).containsExactly(
                new Session("PA_1", ROOM_SID, ROOM, "alice", "Alice", "STANDARD", "m", joinedAtMs("PA_1"),
                        "participant_joined", ms(12), "participant_left", "DISCONNECTED", "DUPLICATE_IDENTITY", ms(12)),
                new Session("PA_2", ROOM_SID, ROOM, "alice", "Alice", "STANDARD", "m", joinedAtMs("PA_2"),
                        "participant_joined", ms(50), "participant_left", "DISCONNECTED", "CLIENT_INITIATED", ms(50)));
        List<Seen> expected = new ArrayList<>();
        for (String sid : List.of("1", "2")) {
            if (order.indexOf("left" + sid) < order.indexOf("join" + sid)) {
                expected.add(seen("left_without_join", "PA_" + sid, "alice", "EV_left" + sid));
                expected.add(seen("join_after_leave", "PA_" + sid, "alice", "EV_join" + sid));
            }
        }
        assertThat(seenAnomalies()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aReconnectWhoseOldLeftArrivesAfterTheNewJoinEndsOnlyTheOldSessionAndItsTracks() {
        f.appendAll(roomStarted("EV_rs", 0),
                joined("EV_j1", 1, "PA_1", "alice", "m"),
                published("EV_p1", 2, "PA_1", "alice", "TR_1", "VIDEO", "CAMERA"),
                joined("EV_j2", 10, "PA_2", "alice", "m"),
                published("EV_p2", 11, "PA_2", "alice", "TR_2", "VIDEO", "CAMERA"),
                unpublished("EV_u1", 12, "PA_1", "alice", "TR_1", "VIDEO", "CAMERA"),
                left("EV_l1", 12, "PA_1", "alice", "m", "DUPLICATE_IDENTITY")).awaitCaughtUp();

        assertThat(f.session("PA_1").endSource()).isEqualTo("participant_left");
        assertThat(f.session("PA_1").leftAtMs()).isEqualTo(ms(12));
        assertThat(f.session("PA_2").open()).isTrue();
        assertThat(f.track("TR_1").endSource()).isEqualTo("track_unpublished");
        assertThat(f.track("TR_2").open()).isTrue();
        assertThat(f.room(ROOM_SID).peakParticipants()).as("one person, two connections").isEqualTo(1);
        assertAnomalies();
    }

    // -- older events do not regress newer state ----------------------------------------------------

    @Test
    void egressUpdatedActiveArrivingAfterEgressEndedCompleteDoesNotRegressIt() {
        long started = ns(2);
        f.appendAll(
                egressEvent("EV_e1", "egress_started", 1, "EG_1", "EGRESS_STARTING", 0, 0, ns(1)),
                egressEvent("EV_e3", "egress_ended", 9, "EG_1", "EGRESS_COMPLETE", started, ns(9), ns(9)),
                egressEvent("EV_e2", "egress_updated", 2, "EG_1", "EGRESS_ACTIVE", started, 0, ns(2)))
                .awaitCaughtUp();

        assertThat(f.egress()).containsExactly(new Egress("EG_1", ROOM_SID, ROOM, "EGRESS_COMPLETE", started, ns(9),
                ns(9), "", "{}"));
        assertThat(StateSnapshot.of(f.store).rows("egress_history")).hasSize(3);
        assertThat(seenAnomalies()).containsExactly(new Seen("stale_event", null, null, List.of("EV_e2")));
        assertThat(f.counter("livehook.process.anomalies", "kind", "stale_event")).isEqualTo(1);
    }

    @Test
    void anOlderEgressUpdateDoesNotOverwriteANewerOne() {
        f.appendAll(
                egressEvent("EV_e1", "egress_updated", 5, "EG_1", "EGRESS_ENDING", ns(2), 0, ns(5)),
                egressEvent("EV_e2", "egress_updated", 2, "EG_1", "EGRESS_ACTIVE", ns(2), 0, ns(2)))
                .awaitCaughtUp();

        assertThat(f.egress()).extracting(Egress::status, Egress::updatedAtNs)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("EGRESS_ENDING", ns(5)));
        assertThat(seenAnomalies()).containsExactly(new Seen("stale_event", null, null, List.of("EV_e2")));
    }

    /**
     * participant_left carries the participant as it was when it left; a participant_joined that
     * arrives after it is older and must not overwrite the metadata (or name) it carries.
     */
    @Test
    void aJoinArrivingAfterTheLeftDoesNotOverwriteTheLeftsNewerMetadata() {
        f.appendAll(roomStarted("EV_rs", 0),
                left("EV_l1", 10, "PA_1", "alice", "metadata at leave", "CLIENT_INITIATED"),
                joined("EV_j1", 5, "PA_1", "alice", "metadata at join")).awaitCaughtUp();

        assertThat(f.session("PA_1").metadata()).isEqualTo("metadata at leave");
        assertThat(f.session("PA_1").leftAtMs()).isEqualTo(ms(10));
    }

    // -- corrections from reconciliation (livehook's own events) -------------------------------------

    static Obj reconciledLeave(String id, long at, String sid, String identity) {
        return event(id, "participant_left", T0 + at).obj("room", partialRoom(ROOM_SID, ROOM))
                .obj("participant", partialParticipant(sid, identity));
    }

    static Obj reconciledJoin(String id, long at, String sid, String identity, long joinedAtMs) {
        return event(id, "participant_joined", T0 + at).obj("room", partialRoom(ROOM_SID, ROOM))
                .obj("participant", participant(sid, identity, "ACTIVE", joinedAtMs));
    }

    @Test
    void aReconciledLeaveEndsAnOpenSessionAtTheListTime_andItsOwnLeaveLaterGivesThePreciseEnd() {
        f.appendAll(roomStarted("EV_rs", 0), joined("EV_j1", 1, "PA_1", "alice", ""),
                published("EV_p1", 2, "PA_1", "alice", "TR_1", "AUDIO", "MICROPHONE")).awaitCaughtUp();
        f.appendCorrection(reconciledLeave("LH_l1", 40, "PA_1", "alice"));
        f.awaitCaughtUp();

        Session ended = f.session("PA_1");
        assertThat(ended.endSource()).isEqualTo("reconciled");
        assertThat(ended.leftAtMs()).isEqualTo(ms(40));
        assertThat(ended.startSource()).isEqualTo("participant_joined");
        assertThat(f.track("TR_1").endSource()).isEqualTo("reconciled");
        assertThat(f.events()).filteredOn(e -> e.eventId().equals("LH_l1"))
                .singleElement().satisfies(e -> assertThat(e.origin()).isEqualTo("livehook"));
        assertAnomalies(seen("track_ended_by_participant_left", "PA_1", "alice", "LH_l1"),
                seen("reconciled", "PA_1", "alice", "LH_l1"));

        f.append(left("EV_l1", 30, "PA_1", "alice", "", "CLIENT_INITIATED"));
        f.awaitCaughtUp();
        assertThat(f.session("PA_1").endSource()).isEqualTo("participant_left");
        assertThat(f.session("PA_1").leftAtMs()).isEqualTo(ms(30));
    }

    @Test
    void aReconciledLeaveIsDroppedWhenTheSessionHasAnEventNewerThanTheList() {
        f.appendAll(roomStarted("EV_rs", 0), joined("EV_j1", 1, "PA_1", "alice", ""),
                published("EV_p1", 45, "PA_1", "alice", "TR_1", "AUDIO", "MICROPHONE")).awaitCaughtUp();
        f.appendCorrection(reconciledLeave("LH_l1", 40, "PA_1", "alice"));
        f.awaitCaughtUp();

        assertThat(f.session("PA_1").open()).isTrue();
        assertAnomalies();
    }

    @Test
    void aReconciledJoinOpensAnUnknownSession_andNeverTouchesAKnownOne() {
        f.appendAll(roomStarted("EV_rs", 0), joined("EV_j1", 1, "PA_1", "alice", ""),
                left("EV_l1", 5, "PA_1", "alice", "", "CLIENT_INITIATED")).awaitCaughtUp();
        f.appendCorrection(reconciledJoin("LH_j2", 40, "PA_2", "bob", ms(12) + 345));
        f.appendCorrection(reconciledJoin("LH_j1", 40, "PA_1", "alice", ms(1)));
        f.awaitCaughtUp();

        Session opened = f.session("PA_2");
        assertThat(opened.open()).isTrue();
        assertThat(opened.startSource()).isEqualTo("reconciled");
        assertThat(opened.joinedAtMs()).as("the participant's own joined_at_ms").isEqualTo(ms(12) + 345);
        assertThat(f.session("PA_1").endSource()).as("an ended session stays ended").isEqualTo("participant_left");
        assertAnomalies(seen("reconciled", "PA_2", "bob", "LH_j2"));

        f.append(joined("EV_j2", 12, "PA_2", "bob", ""));
        f.awaitCaughtUp();
        assertThat(f.session("PA_2").startSource()).as("its own join, late, replaces the correction")
                .isEqualTo("participant_joined");
    }

    @Test
    void aReconciledRoomEndFinishesTheRoomAndItsSessions_andItsOwnRoomFinishedGivesThePreciseEnd() {
        f.appendAll(roomStarted("EV_rs", 0), joined("EV_j1", 1, "PA_1", "alice", "")).awaitCaughtUp();
        f.appendCorrection(event("LH_rf", "room_finished", T0 + 60).obj("room", partialRoom(ROOM_SID, ROOM)));
        f.awaitCaughtUp();

        Room finished = f.room(ROOM_SID);
        assertThat(finished.active()).isFalse();
        assertThat(finished.endSource()).isEqualTo("reconciled");
        assertThat(finished.finishedAtMs()).isEqualTo(ms(60));
        assertThat(f.session("PA_1").endSource()).isEqualTo("room_finished");
        assertAnomalies(seen("reconciled", null, null, "LH_rf"),
                seen("session_ended_by_room_finished", "PA_1", "alice", "LH_rf"));

        f.append(roomFinished("EV_rf", 50));
        f.awaitCaughtUp();
        assertThat(f.room(ROOM_SID).endSource()).isEqualTo("room_finished");
        assertThat(f.room(ROOM_SID).finishedAtMs()).isEqualTo(ms(50));
    }

    @Test
    void aReconciledRoomEndIsDroppedWhenTheRoomHasAnEventNewerThanTheList() {
        f.appendAll(roomStarted("EV_rs", 0), joined("EV_j1", 1, "PA_1", "alice", ""),
                published("EV_p1", 70, "PA_1", "alice", "TR_1", "AUDIO", "MICROPHONE")).awaitCaughtUp();
        f.appendCorrection(event("LH_rf", "room_finished", T0 + 60).obj("room", partialRoom(ROOM_SID, ROOM)));
        f.awaitCaughtUp();

        assertThat(f.room(ROOM_SID).active()).isTrue();
        assertAnomalies();
    }

    @Test
    void correctionsForUnknownThingsChangeNothing() {
        f.appendCorrection(event("LH_rf", "room_finished", T0 + 60).obj("room", partialRoom(ROOM_SID, ROOM)));
        f.appendCorrection(reconciledLeave("LH_l1", 60, "PA_1", "alice"));
        f.appendCorrection(reconciledJoin("LH_j1", 60, "PA_1", "alice", ms(1)));
        f.awaitCaughtUp();

        assertThat(f.rooms()).as("a correction never infers a room").isEmpty();
        assertThat(f.sessions()).isEmpty();
        assertAnomalies();
    }

    // -- helpers ------------------------------------------------------------------------------------

    static long ms(long secondsAfterT0) {
        return (T0 + secondsAfterT0) * 1000;
    }

    static long ns(long secondsAfterT0) {
        return (T0 + secondsAfterT0) * 1_000_000_000L + 123_456_789L;
    }

    /** A participant's join time: ms precision, a little before its participant_joined. */
    static long joinedAtMs(String sid) {
        return ms(0) - 700 + Math.floorMod(sid.hashCode(), 300);
    }

    static Obj roomStarted(String id, long at) {
        return event(id, "room_started", T0 + at).obj("room", room(ROOM_SID, ROOM, ROOM_CREATED_MS));
    }

    static Obj roomFinished(String id, long at) {
        return event(id, "room_finished", T0 + at).obj("room", room(ROOM_SID, ROOM, ROOM_CREATED_MS));
    }

    static Obj joined(String id, long at, String sid, String identity, String metadata) {
        return event(id, "participant_joined", T0 + at).obj("room", room(ROOM_SID, ROOM, ROOM_CREATED_MS))
                .obj("participant", participant(sid, identity, "ACTIVE", joinedAtMs(sid))
                        .str("name", capitalized(identity)).str("metadata", metadata));
    }

    static Obj left(String id, long at, String sid, String identity, String metadata, String reason) {
        return event(id, "participant_left", T0 + at).obj("room", room(ROOM_SID, ROOM, ROOM_CREATED_MS))
                .obj("participant", participant(sid, identity, "DISCONNECTED", joinedAtMs(sid))
                        .str("name", capitalized(identity)).str("metadata", metadata)
                        .enumName("disconnectReason", reason, "UNKNOWN_REASON"));
    }

    static Obj published(String id, long at, String sid, String identity, String track, String type, String source) {
        return event(id, "track_published", T0 + at).obj("room", partialRoom(ROOM_SID, ROOM))
                .obj("participant", partialParticipant(sid, identity)).obj("track", track(track, type, source));
    }

    static Obj unpublished(String id, long at, String sid, String identity, String track, String type,
            String source) {
        return event(id, "track_unpublished", T0 + at).obj("room", partialRoom(ROOM_SID, ROOM))
                .obj("participant", partialParticipant(sid, identity)).obj("track", track(track, type, source));
    }

    static Obj egressEvent(String id, String type, long at, String egressId, String status, long startedNs,
            long endedNs, long updatedNs) {
        return event(id, type, T0 + at).obj("egressInfo", egress(egressId, ROOM_SID, ROOM, status, startedNs, endedNs,
                updatedNs));
    }

    private static String capitalized(String identity) {
        return Character.toUpperCase(identity.charAt(0)) + identity.substring(1);
    }

    /** What an anomaly says about who and which events, the detail text aside. */
    record Seen(String kind, String participantSid, String identity, List<String> eventIds) {}

    static Seen seen(String kind, String participantSid, String identity, String... eventIds) {
        return new Seen(kind, participantSid, identity, Arrays.asList(eventIds));
    }

    List<Seen> seenAnomalies() {
        return f.anomalies().stream()
                .map(a -> new Seen(a.kind(), a.participantSid(), a.identity(), a.eventIds())).toList();
    }

    /** The anomalies recorded, in order, all in the test room, and the counter per kind agreeing. */
    void assertAnomalies(Seen... expected) {
        assertThat(seenAnomalies()).containsExactly(expected);
        assertThat(f.anomalies()).allSatisfy(a -> {
            assertThat(a.roomSid()).isEqualTo(ROOM_SID);
            assertThat(a.roomName()).isEqualTo(ROOM);
        });
        Map<String, Long> perKind = new LinkedHashMap<>();
        for (Seen s : expected) {
            perKind.merge(s.kind(), 1L, Long::sum);
        }
        for (AnomalyKind kind : AnomalyKind.values()) {
            assertThat(f.counter("livehook.process.anomalies", "kind", kind.label()))
                    .as("livehook_process_anomalies_total{kind=%s}", kind.label())
                    .isEqualTo(perKind.getOrDefault(kind.label(), 0L).doubleValue());
        }
    }

    private static void permute(List<String> items, int from, List<List<String>> out) {
        if (from == items.size()) {
            out.add(List.copyOf(items));
            return;
        }
        for (int i = from; i < items.size(); i++) {
            java.util.Collections.swap(items, from, i);
            permute(items, from + 1, out);
            java.util.Collections.swap(items, from, i);
        }
    }
}
