package io.livehook.process;

import static io.livehook.simulate.LiveKitBodies.egress;
import static io.livehook.simulate.LiveKitBodies.event;
import static io.livehook.simulate.LiveKitBodies.partialParticipant;
import static io.livehook.simulate.LiveKitBodies.partialRoom;
import static io.livehook.simulate.LiveKitBodies.participant;
import static io.livehook.simulate.LiveKitBodies.room;
import static io.livehook.simulate.LiveKitBodies.track;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.livehook.log.Appended;
import io.livehook.simulate.LiveKitBodies.Obj;
import io.livehook.state.DeadLetter;
import io.livehook.state.Egress;
import io.livehook.state.Session;
import io.livehook.state.StateBackend.Failure;
import io.livehook.state.StateBackend;
import io.livehook.state.StateSql;
import io.livehook.state.StateStore;
import io.livehook.state.StoredEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The processor as a consumer of the log: lanes, order, restarts, dedupe, parsing, unknown types, dead letters,
 * a failing store, metrics; on each database the state can live in.
 */
@ParameterizedClass
@EnumSource(StateBackend.class)
class ProcessorTest {
    static final long T0 = EventRulesTest.T0;
    static final int LANES = 4;

    @Parameter
    StateBackend backend;
    @TempDir
    Path dir;
    ProcessingFixture f;

    @BeforeEach
    void open() {
        f = new ProcessingFixture(dir, backend, LANES);
    }

    @AfterEach
    void close() {
        f.close();
    }

    // -- lanes and order ----------------------------------------------------------------------------

    /** An append that has returned is in the log: awaitCaughtUp called right after it waits for it. */
    @Test
    void awaitCaughtUpRightAfterAnAppendWaitsForThatEvent() {
        for (int i = 0; i < 300; i++) {
            String id = "EV_room" + i;
            Appended appended = f.append(event(id, "room_started", T0 + i)
                    .obj("room", room("RM_" + i, "room-" + i, T0 * 1000)));
            f.awaitCaughtUp();
            assertThat(f.count("SELECT count(*) FROM events WHERE event_id = ?", id))
                    .as("event %s at offset %d applied once awaitCaughtUp returned", id, appended.offset())
                    .isEqualTo(1);
        }
    }

    /**
     * Each queue key's events apply in log order (the order rows went into the events table is the order of
     * application), and a key is not held up by another: a small room logged after a big backlog of another
     * room, in another lane, is done before that backlog is.
     */
    @Test
    void eachKeyAppliesInLogOrder_andAQuietRoomDoesNotWaitBehindABusyOne() throws Exception {
        String busy = "busy";
        String quiet = nameInAnotherLane(busy);
        String appliedOrder = backend.appliedOrder(f.store);
        f.closeProcessing();
        List<Obj> busyStream = roomStream("RM_busy", busy, 370); // 1 + 4 * 370 + 1 = 1482 events
        List<List<Obj>> others = new ArrayList<>();
        for (int r = 0; r < 12; r++) {
            others.add(roomStream("RM_other" + r, "other-" + r, 5));
        }
        busyStream.forEach(f::append);
        f.appendConcurrently(others);
        List<Obj> quietStream = roomStream("RM_quiet", quiet, 2);
        quietStream.forEach(f::append);
        f.openProcessing();
        f.awaitCaughtUp();

        Map<String, List<Long>> appliedOrderByKey = new LinkedHashMap<>();
        Map<String, Long> lastRowidByKey = new LinkedHashMap<>();
        StateSql.list(f.store, "SELECT queue_key, log_offset, " + appliedOrder + " FROM events ORDER BY " + appliedOrder,
                rs -> {
                    appliedOrderByKey.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2));
                    lastRowidByKey.put(rs.getString(1), rs.getLong(3));
                    return null;
                });
        assertThat(appliedOrderByKey).hasSize(14);
        appliedOrderByKey.forEach((key, offsets) ->
                assertThat(offsets).as("offsets of %s in the order applied", key).isSorted());
        assertThat(lastRowidByKey.get(quiet)).as("the quiet room's last event applied before the busy room's")
                .isLessThan(lastRowidByKey.get(busy));
        assertThat(f.anomalies()).isEmpty();
        assertThat(f.sessions()).allMatch(s -> "participant_left".equals(s.endSource()));
    }

    /**
     * A room's presence is counted once and then follows each transaction that changes its sessions: joins,
     * a reconnect of someone present (one person), a leave of one of two connections, each applied on its own;
     * after a restart (nothing remembered) the room is counted again from its sessions.
     */
    @Test
    void presenceFollowsTheRoomAcrossTransactionsAndRestarts() {
        f.appendAll(EventRulesTest.roomStarted("EV_rs", 0)).awaitCaughtUp();
        f.appendAll(EventRulesTest.joined("EV_a1", 1, "PA_a1", "alice", "")).awaitCaughtUp();
        f.appendAll(EventRulesTest.joined("EV_b1", 2, "PA_b1", "bob", "")).awaitCaughtUp();
        f.appendAll(EventRulesTest.joined("EV_a2", 3, "PA_a2", "alice", "")).awaitCaughtUp(); // a reconnect
        assertThat(f.room(EventRulesTest.ROOM_SID).peakParticipants()).isEqualTo(2);
        f.appendAll(EventRulesTest.left("EV_a1l", 4, "PA_a1", "alice", "", "CLIENT_INITIATED"),
                EventRulesTest.left("EV_b1l", 5, "PA_b1", "bob", "", "CLIENT_INITIATED")).awaitCaughtUp();
        f.appendAll(EventRulesTest.joined("EV_c1", 6, "PA_c1", "carol", "")).awaitCaughtUp();
        assertThat(f.room(EventRulesTest.ROOM_SID).peakParticipants()).as("alice (still connected) and carol")
                .isEqualTo(2);

        f.restart();
        f.appendAll(EventRulesTest.joined("EV_d1", 7, "PA_d1", "dave", ""),
                EventRulesTest.joined("EV_e1", 8, "PA_e1", "erin", "")).awaitCaughtUp();
        assertThat(f.room(EventRulesTest.ROOM_SID).peakParticipants()).as("alice, carol, dave, erin").isEqualTo(4);
        assertThat(f.anomalies()).isEmpty();
    }

    // -- restarts and exactly-once ------------------------------------------------------------------

    /**
     * The processor is closed while LiveKit keeps sending, and opened again on the same files: it goes on
     * from its checkpoint, and every event is applied exactly once over the two runs.
     */
    @Test
    void aRestartMidStreamGoesOnFromTheCheckpoint_andAppliesEveryEventExactlyOnce() throws Exception {
        List<List<Obj>> streams = new ArrayList<>();
        for (int r = 0; r < 24; r++) {
            streams.add(roomStream("RM_r" + r, "r-" + r, 20)); // 82 events each
        }
        int total = streams.stream().mapToInt(List::size).sum();
        CountDownLatch processorClosed = new CountDownLatch(1);
        Thread sender = Thread.ofPlatform().start(() -> {
            f.appendConcurrently(streams.stream().map(s -> s.subList(0, s.size() / 2)).toList());
            try {
                processorClosed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // LiveKit goes on sending while livehook's processor is down
            f.appendConcurrently(streams.stream().map(s -> s.subList(s.size() / 2, s.size())).toList());
        });
        waitUntil(() -> f.processor.appliedUpTo(0) >= total / 4, "a quarter applied");
        var firstRun = f.registry;
        f.closeProcessing();
        long headAtClose = f.log.head(0);
        long checkpointAtClose = f.checkpointOnDisk();
        processorClosed.countDown();
        f.openProcessing();
        sender.join();
        f.awaitCaughtUp();

        assertThat(checkpointAtClose).as("checkpoint saved on close").isPositive().isLessThan(total);
        assertThat(f.log.head(0)).isEqualTo(total);
        assertThat(f.count("SELECT count(*) FROM events")).isEqualTo(total);
        double appliedFirst = sum(firstRun, "livehook.process.events", "outcome", "applied");
        double appliedSecond = f.counterSum("livehook.process.events", "outcome", "applied");
        assertThat(appliedFirst + appliedSecond).as("applied over both runs").isEqualTo(total);
        assertThat(appliedFirst).isGreaterThanOrEqualTo(checkpointAtClose).isLessThanOrEqualTo(headAtClose);
        assertThat(f.anomalies()).isEmpty();
        assertThat(f.rooms()).hasSize(24).allMatch(r -> "room_finished".equals(r.endSource()));
        assertThat(f.sessions()).hasSize(24 * 20).allMatch(s -> "participant_left".equals(s.endSource()));
        assertThat(f.tracks()).hasSize(24 * 20).allMatch(t -> "track_unpublished".equals(t.endSource()));

        f.restart(); // a clean close saves the checkpoint at the head
        assertThat(f.checkpoint()).isEqualTo(total);
    }

    /**
     * A log like Kafka hands events over again after a crash (the checkpoint is saved behind the applied
     * state). Rewinding the checkpoint, to 0 and to the middle, re-reads events that are all recognised
     * by their id: no row changes, no anomaly is recorded twice, every re-read counts as a duplicate.
     */
    @Test
    void reReadingFromAnOlderCheckpointChangesNothing() {
        List<List<Obj>> streams = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            List<Obj> stream = new ArrayList<>(roomStream("RM_d" + r, "d-" + r, 4));
            stream.remove(1); // a lost participant_joined: anomalies to not repeat
            stream.remove(stream.size() - 2); // a lost participant_left: ended by room_finished
            streams.add(stream);
        }
        f.appendConcurrently(streams);
        f.append(event("EV_unknown", "agent_job_started", T0).obj("room", partialRoom("RM_d0", "d-0"))
                .raw("job", Map.of("id", "AJ_1")));
        f.awaitCaughtUp();
        StateSnapshot before = StateSnapshot.of(f.store);
        long head = f.log.head(0);
        assertThat(before.rows("anomalies")).isNotEmpty();

        f.restartFrom(0);
        f.awaitCaughtUp();
        assertThat(StateSnapshot.of(f.store)).isEqualTo(before);
        assertThat(f.counterSum("livehook.process.events", "outcome", "duplicate")).isEqualTo(head);
        assertThat(f.counterSum("livehook.process.events", "outcome", "applied")).isZero();
        assertThat(f.counterSum("livehook.process.anomalies")).isZero();

        f.restartFrom(head / 2);
        f.awaitCaughtUp();
        assertThat(StateSnapshot.of(f.store)).isEqualTo(before);
        assertThat(f.counterSum("livehook.process.events", "outcome", "duplicate")).isEqualTo(head - head / 2);
    }

    /**
     * An event is recorded as applied in the transaction that applies it: when its effect cannot be
     * written, it is not recorded as applied either (and the other way round), so a retry applies it whole.
     */
    @Test
    void anEventIsRecordedAsAppliedOnlyTogetherWithItsEffects() throws Exception {
        failInserts("sessions", "NEW.sid = 'PA_1'", Failure.OF_THE_EVENT);
        f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_tx", "tx", T0 * 1000)));
        f.append(joined("EV_join", 1, "RM_tx", "tx", "PA_1", "alice"));
        f.awaitCaughtUp();

        assertThat(f.deadLetter("EV_join")).isPresent();
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_join'")).isZero();
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_rs'")).isEqualTo(1);
        assertThat(f.sessions()).isEmpty();
        assertThat(f.room("RM_tx").peakParticipants()).isZero();

        stopFailing("sessions");
        f.processor.retryDeadLetters(List.of("EV_join"));
        waitUntil(() -> f.deadLetter("EV_join").map(d -> d.status().equals(DeadLetter.RESOLVED)).orElse(false),
                "the retry to apply");
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_join'")).isEqualTo(1);
        assertThat(f.session("PA_1").open()).isTrue();
        assertThat(f.room("RM_tx").peakParticipants()).isEqualTo(1);
    }

    // -- parsing ------------------------------------------------------------------------------------

    /**
     * The official protobuf types parse the body: camelCase or snake_case keys, int64 as strings or
     * numbers, unknown fields and unknown enum names ignored, absent fields as zero values.
     */
    @Test
    void bodiesParseWithLiveKitsProtobufTypes_whateverTheirSpelling() {
        String camel = """
                {"event":"participant_joined","id":"EV_camel","createdAt":"1771351905",
                 "room":{"sid":"RM_camel","name":"camel","creationTime":"1771351899","creationTimeMs":"1771351899500"},
                 "participant":{"sid":"PA_camel","identity":"agent-1","name":"Agent","kind":"AGENT",
                   "joinedAt":"1771351904","joinedAtMs":"1771351904250","metadata":"{\\"a\\":1}"}}""";
        String snake = """
                {"event":"participant_joined","id":"EV_snake","created_at":1771351905,"some_new_field":{"x":[1,2]},
                 "room":{"sid":"RM_snake","name":"snake","creation_time":1771351899,"creation_time_ms":1771351899500,
                   "future_flag":true},
                 "participant":{"sid":"PA_snake","identity":"agent-1","name":"Agent","kind":"AGENT",
                   "state":"SOME_STATE_FROM_THE_FUTURE","joined_at":1771351904,"joined_at_ms":1771351904250,
                   "metadata":"{\\"a\\":1}","kind_details":["CLOUD_AGENT"]}}""";
        f.append(camel.getBytes(StandardCharsets.UTF_8));
        f.append(snake.getBytes(StandardCharsets.UTF_8));
        f.append(event("EV_eg_camel", "egress_ended", T0 + 9).obj("egressInfo",
                egress("EG_camel", "RM_camel", "camel", "EGRESS_COMPLETE", 1771351900123456789L, 1771351909000000001L,
                        1771351909000000001L)));
        f.append(("""
                {"event":"egress_ended","id":"EV_eg_snake","created_at":"%d",
                 "egress_info":{"egress_id":"EG_snake","room_id":"RM_snake","room_name":"snake","status":"EGRESS_COMPLETE",
                   "started_at":1771351900123456789,"ended_at":"1771351909000000001","updated_at":1771351909000000001,
                   "file_results":[{"filename":"a.mp4","size":"1024"}],"next_gen_field":"x"}}""".formatted(T0 + 9))
                .getBytes(StandardCharsets.UTF_8));
        f.awaitCaughtUp();

        assertThat(f.deadLetters()).isEmpty();
        Session fromCamel = f.session("PA_camel");
        Session fromSnake = f.session("PA_snake");
        assertThat(fromCamel).isEqualTo(new Session("PA_camel", "RM_camel", "camel", "agent-1", "Agent", "AGENT",
                "{\"a\":1}", 1771351904250L, "participant_joined", null, null, "JOINING", null, 1771351905000L));
        assertThat(fromSnake).usingRecursiveComparison().ignoringFields("sid", "roomSid", "roomName")
                .isEqualTo(fromCamel);
        assertThat(f.room("RM_snake").startedAtMs()).isEqualTo(1771351899500L);
        assertThat(f.egress()).extracting(Egress::egressId, Egress::status, Egress::startedAtNs, Egress::endedAtNs)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("EG_camel", "EGRESS_COMPLETE", 1771351900123456789L,
                                1771351909000000001L),
                        org.assertj.core.groups.Tuple.tuple("EG_snake", "EGRESS_COMPLETE", 1771351900123456789L,
                                1771351909000000001L));
        assertThat(f.egress().get(1).results()).contains("a.mp4");
        assertThat(f.events()).extracting(StoredEvent::queueKey)
                .containsExactly("camel", "snake", "EG_camel", "EG_snake");
    }

    @Test
    void unknownEventTypesAreKeptAndListed_notErrors() {
        byte[] body = event("EV_agent", "agent_job_started", T0 + 1).obj("room", partialRoom("RM_x", "x"))
                .raw("job", Map.of("id", "AJ_1", "type", "JT_ROOM", "state", Map.of("status", "JS_RUNNING")))
                .bytes();
        f.append(body);
        f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_x", "x", T0 * 1000)));
        f.awaitCaughtUp();

        List<StoredEvent> events = f.events();
        assertThat(events).extracting(StoredEvent::eventId, StoredEvent::eventType, StoredEvent::knownType)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("EV_agent", "agent_job_started", false),
                        org.assertj.core.groups.Tuple.tuple("EV_rs", "room_started", true));
        assertThat(events.get(0).bodyBytes()).isEqualTo(body.length);
        assertThat(f.count("SELECT count(*) FROM events WHERE known_type = 0")).isEqualTo(1);
        assertThat(f.deadLetters()).isEmpty();
        assertThat(f.anomalies()).isEmpty();
        assertThat(f.counter("livehook.process.events", "outcome", "applied", "type", "unknown")).isEqualTo(1);
        assertThat(f.counter("livehook.process.events", "outcome", "applied", "type", "room_started")).isEqualTo(1);
    }

    // -- dead letters -------------------------------------------------------------------------------

    /**
     * A body whose header reads but whose protobuf does not parse is dead-lettered with the error; the
     * room's later events still apply; a retry of the same bytes fails again and stays open (attempts 2).
     */
    @Test
    void anEventThatCannotBeParsedIsDeadLettered_theRoomGoesOn_andARetryFailsAgainHonestly() throws Exception {
        f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_dl", "dl", T0 * 1000)));
        String bad = """
                {"event":"participant_joined","id":"EV_bad","createdAt":"not-a-number",
                 "room":{"sid":"RM_dl","name":"dl"},"participant":{"sid":"PA_1","identity":"alice","state":"ACTIVE"}}""";
        Appended badAt = f.append(bad.getBytes(StandardCharsets.UTF_8));
        f.append(published("EV_p1", 3, "RM_dl", "dl", "PA_1", "alice", "TR_1"));
        f.append(left("EV_l1", 9, "RM_dl", "dl", "PA_1", "alice"));
        f.awaitCaughtUp();

        assertThat(f.deadLetters()).containsExactly(new DeadLetter("EV_bad", 0, badAt.offset(), "participant_joined",
                "dl", f.deadLetters().get(0).error(), 1, DeadLetter.OPEN, f.clock.millis(), f.clock.millis()));
        assertThat(f.deadLetters().get(0).error())
                .isEqualTo("InvalidEvent: createdAt must be a whole number, got \"not-a-number\"");
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_bad'")).isZero();
        assertThat(f.processor.appliedUpTo(0)).isEqualTo(f.log.head(0));
        // the room went on: the session is known from its track and its leave
        assertThat(f.session("PA_1").endSource()).isEqualTo("participant_left");
        assertThat(f.track("TR_1").endSource()).isEqualTo("participant_left");
        assertThat(f.counter("livehook.process.events", "outcome", "dead_lettered", "type", "participant_joined"))
                .isEqualTo(1);

        assertThat(f.processor.retryDeadLetters(List.of("EV_bad"))).isEqualTo(1);
        waitUntil(() -> f.deadLetter("EV_bad").map(d -> d.attempts() == 2).orElse(false), "the retry to fail");
        DeadLetter retried = f.deadLetter("EV_bad").orElseThrow();
        assertThat(retried.status()).isEqualTo(DeadLetter.OPEN);
        assertThat(retried.error()).isEqualTo(f.deadLetters().get(0).error());
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_bad'")).isZero();
        waitUntil(() -> f.counter("livehook.process.events", "outcome", "dead_lettered", "type", "participant_joined") == 2,
                "both failures to be counted");
    }

    /**
     * An event whose data the store refuses (a constraint it violates; here a trigger stands for one) is
     * dead-lettered and does not hold up its room; once the rule is fixed, a retry applies it and the dead
     * letter is resolved.
     */
    @Test
    void anEventAConstraintRefusesIsDeadLettered_andARetryAfterTheFixAppliesIt() throws Exception {
        failInsertsOf("EV_join", Failure.OF_THE_EVENT);
        f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_sf", "sf", T0 * 1000)));
        f.append(joined("EV_join", 1, "RM_sf", "sf", "PA_1", "alice"));
        f.append(left("EV_left", 9, "RM_sf", "sf", "PA_1", "alice"));
        f.awaitCaughtUp();

        DeadLetter letter = f.deadLetter("EV_join").orElseThrow();
        assertThat(letter.status()).isEqualTo(DeadLetter.OPEN);
        assertThat(letter.error()).contains("simulated");
        assertThat(f.session("PA_1").endSource()).isEqualTo("participant_left");
        assertThat(f.anomalies()).extracting(a -> a.kind()).containsExactly("left_without_join");

        stopFailing("events");
        assertThat(f.processor.retryDeadLetters(List.of("EV_join"))).isEqualTo(1);
        waitUntil(() -> f.deadLetter("EV_join").map(d -> d.status().equals(DeadLetter.RESOLVED)).orElse(false),
                "the retry to apply");
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_join'")).isEqualTo(1);
        assertThat(f.session("PA_1").startSource()).isEqualTo("participant_joined");
        assertThat(f.session("PA_1").endSource()).as("a late join does not reopen").isEqualTo("participant_left");
        assertThat(f.anomalies()).extracting(a -> a.kind()).containsExactly("left_without_join", "join_after_leave");
        // The outcome is counted just after its transaction commits, so the count may trail the state a little.
        waitUntil(() -> f.counter("livehook.process.events", "outcome", "applied", "type", "participant_joined") == 1,
                "the retried join to be counted as applied");
    }

    /**
     * The dead letter of an event that has been applied meanwhile (re-read after the fix, as a rewound
     * or Kafka-like log does) stays listed until retried; the retry finds it applied and resolves it
     * without applying it twice.
     */
    @Test
    void aDeadLetterWhoseEventWasAppliedMeanwhileResolvesOnRetry() throws Exception {
        failInsertsOf("EV_join", Failure.OF_THE_EVENT);
        f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_sf", "sf", T0 * 1000)));
        Appended join = f.append(joined("EV_join", 1, "RM_sf", "sf", "PA_1", "alice"));
        f.awaitCaughtUp();
        assertThat(f.deadLetter("EV_join")).isPresent();

        stopFailing("events");
        f.restartFrom(join.offset() - 1);
        f.awaitCaughtUp();
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_join'")).isEqualTo(1);
        assertThat(f.session("PA_1").open()).isTrue();

        assertThat(f.processor.retryDeadLetters(List.of("EV_join"))).isEqualTo(1);
        waitUntil(() -> f.deadLetter("EV_join").map(d -> d.status().equals(DeadLetter.RESOLVED)).orElse(false),
                "the retry to resolve it");
        assertThat(f.deadLetter("EV_join").orElseThrow().attempts()).isEqualTo(1);
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id = 'EV_join'")).isEqualTo(1);
        waitUntil(() -> f.counter("livehook.process.events", "outcome", "duplicate", "type", "participant_joined") == 1,
                "the retry to be counted as a duplicate");
        assertThat(f.anomalies()).isEmpty();
    }

    /**
     * A store that cannot write (a full disk, for one event's rows only) is waited for: nothing is
     * dead-lettered for it, the room's later events wait behind the event in its lane, other rooms go on, and
     * once the store can write again the room applies in order as if nothing had happened.
     */
    @Test
    void aStoreThatCannotWriteIsWaitedFor_nothingIsDeadLettered_otherLanesGoOn() throws Exception {
        String other = nameInAnotherLane("st");
        f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_st", "st", T0 * 1000)));
        f.awaitCaughtUp();
        failInsertsOf("EV_join", Failure.OF_THE_STORE);
        f.append(joined("EV_join", 1, "RM_st", "st", "PA_1", "alice"));
        f.append(left("EV_left", 9, "RM_st", "st", "PA_1", "alice"));
        f.append(event("EV_other", "room_started", T0).obj("room", room("RM_other", other, T0 * 1000)));
        waitUntil(() -> f.count("SELECT count(*) FROM events WHERE event_id = 'EV_other'") == 1,
                "the other room's lane to go on");
        Thread.sleep(1_500); // several attempts at the join, with pauses

        assertThat(f.deadLetters()).isEmpty();
        assertThat(f.count("SELECT count(*) FROM events WHERE event_id IN ('EV_join', 'EV_left')")).isZero();
        long joinOffset = f.log.head(0) - 2;
        assertThat(f.processor.appliedUpTo(0)).as("the watermark stays before the join").isLessThan(joinOffset);

        stopFailing("events");
        f.awaitCaughtUp();
        assertThat(f.deadLetters()).isEmpty();
        assertThat(f.session("PA_1")).extracting(Session::startSource, Session::endSource)
                .containsExactly("participant_joined", "participant_left");
        assertThat(f.anomalies()).isEmpty();
        assertThat(f.counterSum("livehook.process.events", "outcome", "dead_lettered")).isZero();
    }

    /**
     * The processor is stopped while an event it cannot store yet is being retried: the lane must not
     * apply the room's later events before it, or the restart would apply that event out of order.
     */
    @Test
    void aLaneStoppedWithAnEventUnappliedAppliesNothingAfterIt_soTheRoomKeepsItsOrderAcrossARestart()
            throws Exception {
        f.append(event("EV_rs", "room_started", T0).obj("room", room("RM_st", "st", T0 * 1000)));
        f.awaitCaughtUp();
        failInsertsOf("EV_join", Failure.OF_THE_STORE);
        f.append(joined("EV_join", 1, "RM_st", "st", "PA_1", "alice"));
        Thread.sleep(300); // the join's batch failed; it is being retried, with pauses
        f.append(left("EV_left", 9, "RM_st", "st", "PA_1", "alice"));
        Thread.sleep(100);
        f.closeProcessing();

        try (StateStore store = StateStore.open(f.state)) {
            assertThat(StateSql.count(store, "SELECT count(*) FROM events WHERE event_id = 'EV_left'"))
                    .as("the leave applied before the join it follows").isZero();
            backend.stopFailing(store, "events"); // the disk is fixed
        }
        f.openProcessing();
        f.awaitCaughtUp();

        assertThat(f.deadLetters()).isEmpty();
        assertThat(f.session("PA_1")).extracting(Session::startSource, Session::endSource)
                .containsExactly("participant_joined", "participant_left");
        assertThat(f.anomalies()).isEmpty();
    }

    /**
     * A state whose checkpoint is beyond the log's end was built from another log (this one was damaged or
     * replaced): processing it would skip new events up to that offset, so the processor refuses to start.
     */
    @Test
    void aCheckpointBeyondTheLogsEndIsRefused_namingBothAndWhatToDo() throws Exception {
        f.appendAll(event("EV_1", "room_started", T0).obj("room", room("RM_1", "one", T0 * 1000)));
        f.awaitCaughtUp();
        f.closeProcessing();
        long head = f.log.head(0);
        try (StateStore store = StateStore.open(f.state)) {
            store.inTransaction(tx -> {
                tx.saveCheckpoint(Processor.CONSUMER, 0, head + 40);
                return null;
            });
            assertThatThrownBy(() -> new Processor(f.log, store, 2, f.clock, new SimpleMeterRegistry()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("up to offset " + (head + 40))
                    .hasMessageContaining("ends at offset " + head)
                    .hasMessageContaining("livehook replay");
            store.inTransaction(tx -> {
                tx.saveCheckpoint(Processor.CONSUMER, 0, head);
                return null;
            });
        }
        f.openProcessing(); // at the head: fine
        assertThat(f.processor.appliedUpTo(0)).isEqualTo(head);
    }

    // -- metrics ------------------------------------------------------------------------------------

    @Test
    void countersFollowOutcomesAndAnomalyKinds() throws Exception {
        f.appendAll(event("EV_rs", "room_started", T0).obj("room", room("RM_m", "m", T0 * 1000)),
                published("EV_p1", 1, "RM_m", "m", "PA_1", "alice", "TR_1"),
                published("EV_p2", 1, "RM_m", "m", "PA_2", "bob", "TR_2"),
                event("EV_x", "something_new", T0 + 2).obj("room", partialRoom("RM_m", "m")));
        f.awaitCaughtUp();

        assertThat(f.counter("livehook.process.events", "outcome", "applied", "type", "room_started")).isEqualTo(1);
        assertThat(f.counter("livehook.process.events", "outcome", "applied", "type", "track_published")).isEqualTo(2);
        assertThat(f.counter("livehook.process.events", "outcome", "applied", "type", "unknown")).isEqualTo(1);
        assertThat(f.counter("livehook.process.anomalies", "kind", "track_from_unknown_participant")).isEqualTo(2);
        assertThat(f.counterSum("livehook.process.anomalies")).isEqualTo(2);
        assertThat(f.registry.find("livehook.process.delay").timer().count()).isEqualTo(4);
        assertThat(f.registry.find("livehook.process.lag.events").gauge().value()).isCloseTo(0, within(0.0));

        // as Prometheus scrapes them: the same log processed again into a fresh store
        var prometheus = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        try (var store = StateStore.open(backend.freshLocation(dir.resolve("scraped")));
                Processor processor = new Processor(f.log, store, 2, f.clock, prometheus)) {
            processor.start();
            assertThat(processor.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(prometheus.scrape())
                .contains("livehook_process_anomalies_total{kind=\"track_from_unknown_participant\"} 2.0")
                .contains("livehook_process_events_total{outcome=\"applied\",type=\"unknown\"} 1.0");
    }

    // -- helpers ------------------------------------------------------------------------------------

    /** A legal room: started, {@code participants} each joining, publishing, unpublishing, leaving; finished. */
    static List<Obj> roomStream(String roomSid, String name, int participants) {
        List<Obj> events = new ArrayList<>();
        long created = T0 * 1000;
        String prefix = "EV_" + roomSid + "_";
        events.add(event(prefix + "rs", "room_started", T0).obj("room", room(roomSid, name, created)));
        for (int p = 0; p < participants; p++) {
            String sid = "PA_" + roomSid + "_" + p;
            String trackSid = "TR_" + roomSid + "_" + p;
            long at = T0 + 1 + p;
            events.add(event(prefix + "j" + p, "participant_joined", at).obj("room", room(roomSid, name, created))
                    .obj("participant", participant(sid, "user-" + p, "ACTIVE", at * 1000 - 300)));
            events.add(event(prefix + "p" + p, "track_published", at).obj("room", partialRoom(roomSid, name))
                    .obj("participant", partialParticipant(sid, "user-" + p)).obj("track", track(trackSid, "AUDIO", "MICROPHONE")));
            events.add(event(prefix + "u" + p, "track_unpublished", at + 60).obj("room", partialRoom(roomSid, name))
                    .obj("participant", partialParticipant(sid, "user-" + p)).obj("track", track(trackSid, "AUDIO", "MICROPHONE")));
            events.add(event(prefix + "l" + p, "participant_left", at + 60).obj("room", room(roomSid, name, created))
                    .obj("participant", participant(sid, "user-" + p, "DISCONNECTED", at * 1000 - 300)
                            .enumName("disconnectReason", "CLIENT_INITIATED", "UNKNOWN_REASON")));
        }
        events.add(event(prefix + "rf", "room_finished", T0 + 100 + participants).obj("room", room(roomSid, name, created)));
        return events;
    }

    static Obj joined(String id, long at, String roomSid, String roomName, String sid, String identity) {
        return event(id, "participant_joined", T0 + at).obj("room", room(roomSid, roomName, T0 * 1000))
                .obj("participant", participant(sid, identity, "ACTIVE", (T0 + at) * 1000 - 200));
    }

    static Obj left(String id, long at, String roomSid, String roomName, String sid, String identity) {
        return event(id, "participant_left", T0 + at).obj("room", room(roomSid, roomName, T0 * 1000))
                .obj("participant", participant(sid, identity, "DISCONNECTED", (T0 + 1) * 1000 - 200));
    }

    static Obj published(String id, long at, String roomSid, String roomName, String sid, String identity,
            String trackSid) {
        return event(id, "track_published", T0 + at).obj("room", partialRoom(roomSid, roomName))
                .obj("participant", partialParticipant(sid, identity)).obj("track", track(trackSid, "VIDEO", "CAMERA"));
    }

    /** A room name whose queue key goes to another lane than {@code name}'s. */
    static String nameInAnotherLane(String name) {
        for (int i = 0; ; i++) {
            String candidate = "quiet-" + i;
            if (Math.floorMod(candidate.hashCode(), LANES) != Math.floorMod(name.hashCode(), LANES)) {
                return candidate;
            }
        }
    }

    /** Makes the state store refuse to record that event, blaming the event or the store. */
    void failInsertsOf(String eventId, Failure failure) throws SQLException {
        failInserts("events", "NEW.event_id = '" + eventId + "'", failure);
    }

    void failInserts(String table, String when, Failure failure) throws SQLException {
        backend.failInserts(f.store, table, when, failure);
    }

    void stopFailing(String table) throws SQLException {
        backend.stopFailing(f.store, table);
    }

    static double sum(io.micrometer.core.instrument.MeterRegistry registry, String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    static void waitUntil(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

}
