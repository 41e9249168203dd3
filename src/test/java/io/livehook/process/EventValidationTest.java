package io.livehook.process;

import static io.livehook.simulate.LiveKitBodies.event;
import static io.livehook.simulate.LiveKitBodies.participant;
import static io.livehook.simulate.LiveKitBodies.partialParticipant;
import static io.livehook.simulate.LiveKitBodies.partialRoom;
import static io.livehook.simulate.LiveKitBodies.room;
import static io.livehook.simulate.LiveKitBodies.track;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livehook.log.LoggedEvent;
import io.livehook.log.Origin;
import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.state.DeadLetter;
import io.livehook.state.StateBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed but malformed events: what LiveKit always sends must be there, and numbers must fit. */
class EventValidationTest {
    private static final long T0 = EventRulesTest.T0;

    @TempDir
    Path dir;

    private static LoggedEvent logged(String type, String body) {
        return new LoggedEvent(0, 1, "EV_v", type, "r", body.getBytes(StandardCharsets.UTF_8), Instant.now(), "k",
                Origin.LIVEKIT, 0);
    }

    private static LoggedEvent logged(Obj body) {
        String json = body.json();
        String type = json.replaceAll(".*\"event\":\"([a-z_]+)\".*", "$1");
        return logged(type, json);
    }

    private static String reason(LoggedEvent event) {
        try {
            EventValidation.check(event);
            return "valid";
        } catch (EventValidation.InvalidEvent invalid) {
            return invalid.getMessage();
        }
    }

    @Test
    void whatLiveKitAlwaysSendsWithAnEventTypeMustBeThere() {
        Obj fullRoom = room("RM_1", "r", T0 * 1000);
        assertThat(reason(logged(event("EV_1", "participant_joined", T0).obj("room", fullRoom))))
                .isEqualTo("participant.sid is missing or empty: LiveKit always sends it with participant_joined");
        assertThat(reason(logged(event("EV_1", "participant_left", T0).obj("room", fullRoom)
                .obj("participant", new Obj().str("sid", "PA_1")))))
                .isEqualTo("participant.identity is missing or empty: LiveKit always sends it with participant_left");
        assertThat(reason(logged(event("EV_1", "track_published", T0).obj("room", partialRoom("RM_1", "r"))
                .obj("participant", partialParticipant("PA_1", "alice")))))
                .isEqualTo("track.sid is missing or empty: LiveKit always sends it with track_published");
        assertThat(reason(logged(event("EV_1", "room_started", T0).obj("room", new Obj().str("sid", "RM_1")))))
                .isEqualTo("room.name is missing or empty: LiveKit always sends it with room_started");
        assertThat(reason(logged("egress_ended", "{\"event\":\"egress_ended\",\"id\":\"EV_1\",\"egressInfo\":{}}")))
                .isEqualTo("egressInfo.egressId is missing or empty: LiveKit always sends it with egress_ended");
        assertThat(reason(logged("ingress_started", "{\"event\":\"ingress_started\",\"id\":\"EV_1\"}")))
                .isEqualTo("ingressInfo.ingressId is missing or empty: LiveKit always sends it with ingress_started");
        assertThat(reason(logged("participant_joined", "{\"event\":\"participant_joined\",\"id\":\"EV_1\","
                + "\"room\":{\"name\":\"r\"},\"participant\":{\"sid\":7,\"identity\":\"a\"}}")))
                .isEqualTo("participant.sid must be a string, got number");
    }

    @Test
    void wellFormedEventsPassWhateverTheirKeysCase() {
        assertThat(reason(logged(event("EV_1", "participant_joined", T0).obj("room", room("RM_1", "r", T0 * 1000))
                .obj("participant", participant("PA_1", "alice", "ACTIVE", T0 * 1000))))).isEqualTo("valid");
        assertThat(reason(logged(event("EV_2", "track_published", T0).obj("room", partialRoom("RM_1", "r"))
                .obj("participant", partialParticipant("PA_1", "alice")).obj("track", track("TR_1", "AUDIO", "MICROPHONE")))))
                .isEqualTo("valid");
        assertThat(reason(logged("egress_started",
                "{\"event\":\"egress_started\",\"id\":\"EV_3\",\"egress_info\":{\"egress_id\":\"EG_1\"}}")))
                .isEqualTo("valid");
        // A type livehook does not know has nothing required; it is kept and archived as before.
        assertThat(reason(logged("agent_job_started", "{\"event\":\"agent_job_started\",\"id\":\"EV_4\",\"job\":{}}")))
                .isEqualTo("valid");
    }

    @Test
    void numbersMustFitTheirFieldsWhereverTheyAre() {
        assertThat(reason(logged("room_started", "{\"event\":\"room_started\",\"id\":\"EV_1\",\"createdAt\":\""
                + "9".repeat(530) + "\",\"room\":{\"name\":\"r\"}}")))
                .isEqualTo("createdAt has 530 digits, too many for a int64 (-9223372036854775808 to 9223372036854775807)");
        assertThat(reason(logged("room_started", "{\"event\":\"room_started\",\"id\":\"EV_1\","
                + "\"room\":{\"name\":\"r\",\"maxParticipants\":4294967296}}")))
                .isEqualTo("room.maxParticipants is 4294967296, outside a uint32 (0 to 4294967295)");
        assertThat(reason(logged("participant_joined", "{\"event\":\"participant_joined\",\"id\":\"EV_1\","
                + "\"room\":{\"name\":\"r\"},\"participant\":{\"sid\":\"PA_1\",\"identity\":\"a\",\"joinedAt\":\"1.5\"}}")))
                .isEqualTo("participant.joinedAt must be a whole number, got 1.5");
        assertThat(reason(logged("participant_joined", "{\"event\":\"participant_joined\",\"id\":\"EV_1\","
                + "\"room\":{\"name\":\"r\"},\"participant\":{\"sid\":\"PA_1\",\"identity\":\"a\",\"joined_at\":-1e30}}")))
                .startsWith("participant.joined_at has 31 digits, too many for a int64");
        assertThat(reason(logged("participant_joined", "{\"event\":\"participant_joined\",\"id\":\"EV_1\","
                + "\"room\":{\"name\":\"r\"},\"participant\":{\"sid\":\"PA_1\",\"identity\":\"a\",\"tracks\":"
                + "[{\"sid\":\"TR_1\"},{\"sid\":\"TR_2\",\"width\":-1}]}}")))
                .isEqualTo("participant.tracks[1].width is -1, outside a uint32 (0 to 4294967295)");
        assertThatCode(() -> EventValidation.check(logged("room_started", "{\"event\":\"room_started\",\"id\":\"EV_1\","
                + "\"createdAt\":\"9223372036854775807\",\"room\":{\"name\":\"r\",\"maxParticipants\":4294967295,"
                + "\"metadata\":\"12345678901234567890123\"}}"))).doesNotThrowAnyException();
    }

    @Test
    void notJsonIsRefusedToo() {
        assertThatThrownBy(() -> EventValidation.check(logged("room_started", "[1]")))
                .hasMessage("the body is not a JSON object");
    }

    /**
     * What an audit found applied: a participant_joined without a participant made a session with an empty sid
     * and identity, counted among the room's participants; a track_published without a track a track with an
     * empty sid; a 530-digit number a dead letter with a parser's message.
     */
    @Test
    void malformedSignedEventsAreDeadLetteredWithTheirReasonAndNeverBecomeState() {
        try (ProcessingFixture f = new ProcessingFixture(dir, StateBackend.SQLITE)) {
            f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_v", "v", T0 * 1000)));
            f.append(event("EV_nop", "participant_joined", T0 + 1).obj("room", room("RM_v", "v", T0 * 1000)));
            f.append(event("EV_not", "track_published", T0 + 2).obj("room", partialRoom("RM_v", "v"))
                    .obj("participant", partialParticipant("PA_1", "alice")));
            f.append(("{\"event\":\"participant_joined\",\"id\":\"EV_big\",\"room\":{\"sid\":\"RM_v\",\"name\":\"v\"},"
                    + "\"participant\":{\"sid\":\"PA_2\",\"identity\":\"bob\",\"joinedAt\":\"" + "1".repeat(530) + "\"}}")
                    .getBytes(StandardCharsets.UTF_8));
            f.append(event("EV_ok", "participant_joined", T0 + 3).obj("room", room("RM_v", "v", T0 * 1000))
                    .obj("participant", participant("PA_1", "alice", "ACTIVE", (T0 + 3) * 1000)));
            f.awaitCaughtUp();

            assertThat(f.deadLetters()).extracting(DeadLetter::eventId, DeadLetter::error).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("EV_nop", "InvalidEvent: participant.sid is missing or empty: "
                            + "LiveKit always sends it with participant_joined"),
                    org.assertj.core.groups.Tuple.tuple("EV_not", "InvalidEvent: track.sid is missing or empty: "
                            + "LiveKit always sends it with track_published"),
                    org.assertj.core.groups.Tuple.tuple("EV_big", "InvalidEvent: participant.joinedAt has 530 digits, "
                            + "too many for a int64 (-9223372036854775808 to 9223372036854775807)"));
            assertThat(f.sessions()).extracting(s -> s.sid()).containsExactly("PA_1");
            assertThat(f.tracks()).isEmpty();
            assertThat(f.room("RM_v").peakParticipants()).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM events")).as("applied: the room and the good join").isEqualTo(2);
        }
    }
}
