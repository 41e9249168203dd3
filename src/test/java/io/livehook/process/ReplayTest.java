package io.livehook.process;

import static io.livehook.simulate.LiveKitBodies.egress;
import static io.livehook.simulate.LiveKitBodies.event;
import static io.livehook.simulate.LiveKitBodies.ingress;
import static io.livehook.simulate.LiveKitBodies.partialRoom;
import static io.livehook.simulate.LiveKitBodies.room;
import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.simulate.LiveKitBodies;
import io.livehook.state.StateBackend;
import io.livehook.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Replay rebuilds all state from the raw log, and the result is what live processing produced; on each database. */
@ParameterizedClass
@EnumSource(StateBackend.class)
class ReplayTest {
    static final long T0 = EventRulesTest.T0;

    @Parameter
    StateBackend backend;
    @TempDir
    Path dir;

    @Test
    void rebuildingFromTheLogGivesTheStateLiveProcessingProduced() throws Exception {
        try (ProcessingFixture f = new ProcessingFixture(dir, backend)) {
            f.appendConcurrently(mixedStreams());
            f.append(("{\"event\":\"participant_joined\",\"id\":\"EV_bad\",\"createdAt\":\"not-a-number\","
                    + "\"room\":{\"sid\":\"RM_a\",\"name\":\"a\"},\"participant\":{\"sid\":\"PA_x\"}}")
                    .getBytes(StandardCharsets.UTF_8));
            f.awaitCaughtUp();
            f.restart(); // a live run may be stopped and started again: replay must not differ for it
            f.awaitCaughtUp();
            StateSnapshot live = StateSnapshot.of(f.store);
            long head = f.log.head(0);

            // what the stream had to show, so that the comparison is not of two empty stores
            assertThat(live.rows("events")).hasSize((int) head - 1);
            assertThat(live.rows("events")).anyMatch(row -> Long.valueOf(0).equals(row.get("known_type")));
            assertThat(live.rows("dead_letters")).hasSize(1);
            assertThat(live.rows("anomalies")).extracting(row -> row.get("kind")).contains("left_without_join",
                    "track_from_unknown_participant", "session_ended_by_room_finished",
                    "track_ended_by_participant_left", "stale_event", "room_inferred", "unpublish_without_publish");
            for (String table : List.of("rooms", "sessions", "tracks", "egress", "egress_history", "ingress",
                    "ingress_history")) {
                assertThat(live.rows(table)).as(table).isNotEmpty();
            }

            f.closeProcessing();
            long applied = Replay.rebuild(f.log, f.state, 4, f.clock, Duration.ofSeconds(60));

            assertThat(applied).isEqualTo(head - 1);
            try (StateStore rebuilt = StateStore.open(f.state)) {
                StateSnapshot replayed = StateSnapshot.of(rebuilt);
                for (String table : StateSnapshot.TABLES.keySet()) {
                    assertThat(replayed.rows(table)).as(table).isEqualTo(live.rows(table));
                }
            }
            f.openProcessing(); // for the fixture's close
        }
    }

    @Test
    void reconciliationsCorrectionsAreReplayedLikeWebhooks() throws Exception {
        try (ProcessingFixture f = new ProcessingFixture(dir, backend)) {
            f.appendAll(event("EV_r1", "room_started", T0).obj("room", room("RM_r", "r", T0 * 1000)),
                    ProcessorTest.joined("EV_r2", 1, "RM_r", "r", "PA_r1", "alice"),
                    event("EV_s1", "room_started", T0).obj("room", room("RM_s", "s", T0 * 1000)));
            f.appendCorrection(event("LH_r3", "participant_left", T0 + 30).obj("room", partialRoom("RM_r", "r"))
                    .obj("participant", LiveKitBodies.partialParticipant("PA_r1", "alice")));
            f.appendCorrection(event("LH_r4", "participant_joined", T0 + 30).obj("room", partialRoom("RM_r", "r"))
                    .obj("participant", LiveKitBodies.participant("PA_r2", "bob", "ACTIVE", T0 * 1000 + 5_000)));
            f.appendCorrection(event("LH_s2", "room_finished", T0 + 30).obj("room", partialRoom("RM_s", "s")));
            f.awaitCaughtUp();
            StateSnapshot live = StateSnapshot.of(f.store);
            assertThat(live.rows("anomalies")).filteredOn(row -> "reconciled".equals(row.get("kind"))).hasSize(3);

            f.closeProcessing();
            Replay.rebuild(f.log, f.state, 4, f.clock, Duration.ofSeconds(60));
            try (StateStore rebuilt = StateStore.open(f.state)) {
                StateSnapshot replayed = StateSnapshot.of(rebuilt);
                for (String table : StateSnapshot.TABLES.keySet()) {
                    assertThat(replayed.rows(table)).as(table).isEqualTo(live.rows(table));
                }
            }
            f.openProcessing(); // for the fixture's close
        }
    }

    /** Several rooms, egresses and an ingress, with gaps, reorderings, a reconnect and an unknown type. */
    static List<List<Obj>> mixedStreams() {
        List<List<Obj>> streams = new ArrayList<>();
        // room a: a reconnect whose old left comes after the new join; a lost join; a lost leave
        String a = "a";
        streams.add(List.of(
                event("EV_a1", "room_started", T0).obj("room", room("RM_a", a, T0 * 1000)),
                ProcessorTest.joined("EV_a2", 1, "RM_a", a, "PA_a1", "alice"),
                ProcessorTest.published("EV_a3", 2, "RM_a", a, "PA_a1", "alice", "TR_a1"),
                ProcessorTest.joined("EV_a4", 10, "RM_a", a, "PA_a2", "alice"),
                ProcessorTest.left("EV_a5", 11, "RM_a", a, "PA_a1", "alice"), // TR_a1 unpublish lost
                ProcessorTest.published("EV_a6", 12, "RM_a", a, "PA_b1", "bob", "TR_b1"), // bob's join lost
                ProcessorTest.left("EV_a7", 13, "RM_a", a, "PA_c1", "carol"), // carol's join lost
                event("EV_a8", "agent_job_started", T0 + 14).obj("room", partialRoom("RM_a", a))
                        .raw("job", Map.of("id", "AJ_1")),
                event("EV_a9", "track_unpublished", T0 + 15).obj("room", partialRoom("RM_a", a))
                        .obj("participant", LiveKitBodies.partialParticipant("PA_a2", "alice"))
                        .obj("track", LiveKitBodies.track("TR_never", "DATA", "UNKNOWN")),
                event("EV_a10", "room_finished", T0 + 30).obj("room", room("RM_a", a, T0 * 1000))));
        // room b: never seen starting, then reused under the same name by a new room
        streams.add(List.of(
                ProcessorTest.joined("EV_b1", 1, "RM_b1", "b", "PA_b1x", "dan"),
                ProcessorTest.left("EV_b2", 5, "RM_b1", "b", "PA_b1x", "dan"),
                event("EV_b3", "room_finished", T0 + 6).obj("room", room("RM_b1", "b", T0 * 1000)),
                event("EV_b4", "room_started", T0 + 7).obj("room", room("RM_b2", "b", (T0 + 7) * 1000)),
                ProcessorTest.joined("EV_b5", 8, "RM_b2", "b", "PA_b2x", "dan")));
        // an egress whose ACTIVE update arrives after its end
        streams.add(List.of(
                event("EV_e1", "egress_started", T0 + 1).obj("egressInfo",
                        egress("EG_1", "RM_a", a, "EGRESS_STARTING", 0, 0, ns(1))),
                event("EV_e3", "egress_ended", T0 + 20).obj("egressInfo",
                        egress("EG_1", "RM_a", a, "EGRESS_COMPLETE", ns(2), ns(20), ns(20))),
                event("EV_e2", "egress_updated", T0 + 2).obj("egressInfo",
                        egress("EG_1", "RM_a", a, "EGRESS_ACTIVE", ns(2), 0, ns(2)))));
        streams.add(List.of(
                event("EV_f1", "egress_started", T0 + 3).obj("egressInfo",
                        egress("EG_2", "RM_b2", "b", "EGRESS_STARTING", 0, 0, ns(3))),
                event("EV_f2", "egress_updated", T0 + 4).obj("egressInfo",
                        egress("EG_2", "RM_b2", "b", "EGRESS_ACTIVE", ns(4), 0, ns(4)))));
        streams.add(List.of(
                event("EV_i1", "ingress_started", T0 + 2).obj("ingressInfo",
                        ingress("IN_1", a, "obs-1", "ENDPOINT_PUBLISHING", ns(2), 0, ns(2))),
                event("EV_i2", "ingress_ended", T0 + 9).obj("ingressInfo",
                        ingress("IN_1", a, "obs-1", "ENDPOINT_INACTIVE", ns(2), ns(9), ns(9)))));
        return streams;
    }

    static long ns(long secondsAfterT0) {
        return (T0 + secondsAfterT0) * 1_000_000_000L + 5_000;
    }
}
