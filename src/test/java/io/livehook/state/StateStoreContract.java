package io.livehook.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.zaxxer.hikari.HikariDataSource;
import io.livehook.state.StateQueries.AnomalyRecord;
import io.livehook.state.StateQueries.DeadLetterKey;
import io.livehook.state.StateQueries.EventFilter;
import io.livehook.state.StateQueries.EventKey;
import io.livehook.state.StateQueries.EventSummary;
import io.livehook.state.StateQueries.LogPosition;
import io.livehook.state.StateQueries.Page;
import io.livehook.state.StateQueries.RoomDetail;
import io.livehook.state.StateQueries.RoomKey;
import io.livehook.state.StateQueries.RoomSummary;
import io.livehook.state.StateQueries.SessionKey;
import io.livehook.state.StateQueries.SessionSpan;
import io.livehook.state.StateQueries.Timeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every state store does, whatever database holds it: each operation of {@link StateTx}, the read side
 * ({@link StateQueries}), the delivery outbox ({@link DeliveryStore}), transactions, failure classes and the
 * rebuild that replay uses. One subclass per database runs it.
 */
@Timeout(60)
abstract class StateStoreContract {
    static final long NOW = Instant.parse("2026-02-17T18:00:00Z").toEpochMilli();
    static final long T = NOW - 3_600_000; // an hour ago

    @TempDir
    Path dir;

    StateLocation location;
    StateStore store;
    StateQueries queries;
    DeliveryStore deliveries;

    abstract StateBackend backend();

    @BeforeEach
    void open() {
        location = backend().freshLocation(dir);
        store = StateStore.open(location);
        queries = new StateQueries(store, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        deliveries = new DeliveryStore(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    // -- fixtures -----------------------------------------------------------------------------------

    static Room room(String sid, String name, String status, Long startedAtMs) {
        return new Room(sid, name, status, startedAtMs, "room_started", Room.FINISHED.equals(status) ? T + 600_000 : null,
                Room.FINISHED.equals(status) ? "room_finished" : null, "", 0, T);
    }

    static Session session(String sid, String roomSid, String identity, Long joinedAtMs, Long leftAtMs) {
        return new Session(sid, roomSid, "room-" + roomSid, identity, identity.toUpperCase(), "STANDARD", "{}",
                joinedAtMs, "participant_joined", leftAtMs, leftAtMs == null ? null : "participant_left",
                leftAtMs == null ? "ACTIVE" : "DISCONNECTED", null, joinedAtMs == null ? T : joinedAtMs);
    }

    static Track track(String sid, String participantSid, String roomSid, Long publishedAtMs, String endSource) {
        return new Track(sid, participantSid, roomSid, "AUDIO", "MICROPHONE", "audio/opus", "mic", publishedAtMs,
                "track_published", endSource == null ? null : T + 1_000, endSource);
    }

    static StoredEvent event(String id, long offset, String type, String roomSid, String roomName,
            String participantSid, String identity, Long createdAtMs, long receivedAtMs, int bodyBytes) {
        return new StoredEvent(id, 0, offset, type, !type.startsWith("x_"), roomName == null ? "q-" + id : roomName,
                roomSid, roomName, participantSid, identity, null, null, null, createdAtMs, receivedAtMs, "livekit",
                "APIkey", bodyBytes);
    }

    static StoredEvent event(String id, long offset, String roomSid, String roomName) {
        return event(id, offset, "participant_joined", roomSid, roomName, null, null, T + offset * 1000,
                T + offset * 1000, ("{\"id\":\"" + id + "\"}").length());
    }

    static Anomaly anomaly(String kind, String roomSid, String roomName, List<String> eventIds, long atMs) {
        return new Anomaly(kind, roomSid, roomName, null, null, eventIds, "because " + kind, atMs);
    }

    <T> T tx(StateStore.TxWork<T> work) throws SQLException {
        return store.inTransaction(work);
    }

    void run(TxBody body) throws SQLException {
        store.inTransaction(tx -> {
            body.run(tx);
            return null;
        });
    }

    @FunctionalInterface
    interface TxBody {
        void run(StateTx tx) throws SQLException;
    }

    // -- events -------------------------------------------------------------------------------------

    @Test
    void anEventIsRecordedOnce_aloneOrInABatch() throws Exception {
        StoredEvent e = event("EV_1", 1, "participant_joined", "RM_a", "a", "PA_1", "alice", T, T + 5, 321);

        assertThat(tx((StateTx tx) -> tx.recordEvents(List.of(e))[0])).isTrue();
        assertThat(tx((StateTx tx) -> tx.recordEvents(List.of(e))[0])).as("the same id again").isFalse();
        assertThat(tx((StateTx tx) -> tx.recordEvents(List.of(event("EV_1", 9, "RM_b", "b")))[0])).as("same id, other data").isFalse();
        assertThat(StateSql.events(store)).singleElement().usingRecursiveComparison().isEqualTo(e);
        assertThat(queries.event("EV_1")).hasValueSatisfying(s -> assertThat(s.bodyBytes()).isEqualTo(321));

        boolean[] recorded = tx((StateTx tx) -> tx.recordEvents(List.of(event("EV_2", 2, "RM_a", "a"),
                event("EV_1", 3, "RM_a", "a"), event("EV_3", 4, "RM_a", "a"), event("EV_2", 5, "RM_a", "a"))));
        assertThat(recorded).as("new, applied before, new, earlier in the same batch").containsExactly(true, false,
                true, false);
        assertThat(StateSql.events(store)).extracting(StoredEvent::eventId).containsExactly("EV_1", "EV_2", "EV_3");
        assertThat(queries.eventCount()).isEqualTo(3);
    }

    /** A state made when the events table kept the bodies migrates in place: its events and their sizes stay. */
    @Test
    void aStateWithBodiesInItsEventsTableMigratesInPlace() throws Exception {
        StateLocation old = backend() == StateBackend.SQLITE ? StateLocation.sqlite(dir.resolve("old.db"))
                : location.withUrlAndSchema(location.url(), "before_v4");
        StateDialect dialect = StateDialect.of(old);
        try (HikariDataSource pool = dialect.pool(old)) {
            dialect.migrations(old).dataSource(pool).target("3").load().migrate();
            try (Connection c = pool.getConnection(); PreparedStatement insert = c.prepareStatement("INSERT INTO "
                    + "events (event_id, log_partition, log_offset, event_type, known_type, queue_key, room_sid, "
                    + "room_name, received_at_ms, origin, key_id, body) VALUES ('EV_old', 0, 1, 'room_started', 1, "
                    + "'a', 'RM_a', 'a', 5, 'livekit', 'APIkey', ?)")) {
                insert.setBytes(1, new byte[] {'{', '}', 0});
                insert.executeUpdate();
            }
        }
        try (StateStore migrated = StateStore.open(old)) {
            assertThat(new StateQueries(migrated, Clock.systemUTC()).event("EV_old"))
                    .hasValueSatisfying(e -> assertThat(e.bodyBytes()).isEqualTo(3));
            assertThat(migrated.inTransaction((StateTx tx) -> tx.recordEvents(List.of(event("EV_old", 1, "RM_a", "a")))[0])).isFalse();
            assertThat(migrated.inTransaction((StateTx tx) -> tx.recordEvents(List.of(event("EV_new", 2, "RM_a", "a")))[0])).isTrue();
        }
    }

    @Test
    void lastEventTimesPreferLiveKitsClock_andFallBackToArrival() throws Exception {
        run(tx -> {
            tx.recordEvents(List.of(event("EV_1", 1, "participant_joined", "RM_a", "a", "PA_1", "alice", T + 10, T + 50, 1)));
            tx.recordEvents(List.of(event("EV_2", 2, "track_published", "RM_a", "a", "PA_1", "alice", null, T + 70, 1)));
            tx.recordEvents(List.of(event("EV_3", 3, "participant_joined", "RM_a", "a", "PA_2", "bob", T + 90, T + 20, 1)));
        });
        LogPosition end = new LogPosition(0, 100);
        assertThat(tx((StateTx tx) -> tx.lastEventMsOfRoom("RM_a", end))).isEqualTo(T + 90);
        assertThat(tx((StateTx tx) -> tx.lastEventMsOfParticipant("RM_a", "a", "PA_1", end))).isEqualTo(T + 70);
        assertThat(tx((StateTx tx) -> tx.lastEventMsOfParticipant("RM_a", "a", "PA_9", end))).isZero();
        assertThat(tx((StateTx tx) -> tx.lastEventMsOfRoom("RM_none", end))).isZero();
        // only what came before a position in its partition: a batch records its events before applying them
        assertThat(tx((StateTx tx) -> tx.lastEventMsOfRoom("RM_a", new LogPosition(0, 3)))).isEqualTo(T + 70);
        assertThat(tx((StateTx tx) -> tx.lastEventMsOfParticipant("RM_a", "a", "PA_1", new LogPosition(0, 2))))
                .isEqualTo(T + 10);
        assertThat(tx((StateTx tx) -> tx.lastEventMsOfRoom("RM_a", new LogPosition(1, 1)))).as("another partition")
                .isEqualTo(T + 90);

        // what reconciliation reads: the later of LiveKit's time and the arrival, per participant and room
        assertThat(queries.lastHeardOfParticipantsMs("RM_a")).containsExactlyInAnyOrderEntriesOf(
                Map.of("PA_1", T + 70, "PA_2", T + 90));
        assertThat(queries.roomLastHeardMs("RM_a")).isEqualTo(T + 90);
        assertThat(queries.roomLastHeardMs("RM_none")).isZero();
    }

    @Test
    void eventsListNewestFirst_filtered_andPageWithoutGapsOrRepeats() throws Exception {
        run(tx -> {
            for (int i = 1; i <= 7; i++) {
                tx.recordEvents(List.of(event("EV_" + i, i, i % 2 == 0 ? "track_published" : "participant_joined",
                        i <= 4 ? "RM_a" : "RM_b", i <= 4 ? "a" : "b", null, null, T + i, T + (i / 2) * 1000, i)));
            }
        });
        EventFilter any = new EventFilter(null, null, null, null);
        List<String> seen = new ArrayList<>();
        EventKey before = null;
        for (int pages = 0; pages < 10; pages++) {
            Page<EventSummary> page = queries.events(any, before, 3);
            page.items().forEach(e -> seen.add(e.eventId()));
            if (!page.more()) {
                break;
            }
            before = EventKey.of(page.last().orElseThrow());
        }
        assertThat(seen).containsExactly("EV_7", "EV_6", "EV_5", "EV_4", "EV_3", "EV_2", "EV_1");

        assertThat(queries.events(new EventFilter("b", null, null, null), null, 10).items())
                .extracting(EventSummary::eventId).containsExactly("EV_7", "EV_6", "EV_5");
        assertThat(queries.events(new EventFilter("RM_a", "track_published", null, null), null, 10).items())
                .extracting(EventSummary::eventId).containsExactly("EV_4", "EV_2");
        assertThat(queries.events(new EventFilter(null, null, T + 1000, T + 3000), null, 10).items())
                .extracting(EventSummary::eventId).containsExactly("EV_5", "EV_4", "EV_3", "EV_2");

        EventSummary summary = queries.event("EV_6").orElseThrow();
        assertThat(summary.bodyBytes()).isEqualTo(6);
        assertThat(summary.roomSid()).isEqualTo("RM_b");
        assertThat(summary.createdAtMs()).isEqualTo(T + 6);
        assertThat(queries.event("EV_none")).isEmpty();
    }

    @Test
    void eventTypesAreCountedMostFrequentFirst_unknownOnesMarked() throws Exception {
        run(tx -> {
            tx.recordEvents(List.of(event("EV_1", 1, "participant_joined", "RM_a", "a", null, null, T, T, 1)));
            tx.recordEvents(List.of(event("EV_2", 2, "participant_joined", "RM_a", "a", null, null, T, T, 1)));
            tx.recordEvents(List.of(event("EV_3", 3, "x_agent_job", "RM_a", "a", null, null, T, T, 1)));
            tx.recordEvents(List.of(event("EV_4", 4, "room_started", "RM_a", "a", null, null, T, T, 1)));
        });
        assertThat(queries.eventTypes()).containsExactly(
                new StateQueries.EventTypeCount("participant_joined", true, 2),
                new StateQueries.EventTypeCount("room_started", true, 1),
                new StateQueries.EventTypeCount("x_agent_job", false, 1));
    }

    // -- rooms ----------------------------------------------------------------------------------------

    @Test
    void aRoomIsSavedAndUpdatedInPlace_andFoundBySidOrName() throws Exception {
        Room started = room("RM_a", "a", Room.ACTIVE, T);
        run(tx -> tx.saveRooms(List.of(started)));
        assertThat(tx((StateTx tx) -> tx.room("RM_a"))).contains(started);

        Room finished = new Room("RM_a", "a", Room.FINISHED, T, "room_started", T + 60_000, "room_finished", "{\"m\":1}",
                3, T + 60_000);
        run(tx -> tx.saveRooms(List.of(finished)));
        assertThat(StateSql.rooms(store)).containsExactly(finished);
        assertThat(queries.roomById("RM_a")).contains(finished);
        assertThat(tx((StateTx tx) -> tx.room("RM_none"))).isEmpty();
    }

    @Test
    void aNameMeansItsActiveRoom_elseItsNewest() throws Exception {
        run(tx -> {
            tx.saveRooms(List.of(room("RM_old", "a", Room.FINISHED, T)));
            tx.saveRooms(List.of(room("RM_live", "a", Room.ACTIVE, T - 5_000))); // started earlier, still on
            tx.saveRooms(List.of(room("RM_newest", "a", Room.FINISHED, T + 5_000)));
            tx.saveRooms(List.of(room("RM_unknown_start", "a", Room.FINISHED, null)));
        });
        assertThat(tx((StateTx tx) -> tx.latestRoomNamed("a"))).map(Room::sid).contains("RM_live");
        assertThat(tx((StateTx tx) -> tx.latestRoomNamed("b"))).isEmpty();
        // someone looking a room up by name means the newest one
        assertThat(queries.room("a")).map(d -> d.summary().room().sid()).contains("RM_newest");
        assertThat(queries.room("RM_old")).map(d -> d.summary().room().sid()).contains("RM_old");
        assertThat(queries.room("nothing")).isEmpty();
    }

    @Test
    void activeRoomsByName() throws Exception {
        run(tx -> {
            tx.saveRooms(List.of(room("RM_b", "b", Room.ACTIVE, T)));
            tx.saveRooms(List.of(room("RM_a2", "a", Room.ACTIVE, T + 10)));
            tx.saveRooms(List.of(room("RM_a1", "a", Room.ACTIVE, T)));
            tx.saveRooms(List.of(room("RM_c", "c", Room.FINISHED, T)));
        });
        assertThat(queries.activeRooms(Optional.empty())).extracting(Room::name).containsExactly("a", "a", "b");
        assertThat(queries.activeRooms(Optional.of("a"))).extracting(Room::sid).containsExactly("RM_a1", "RM_a2");
        assertThat(queries.activeRooms(Optional.of("c"))).isEmpty();
        assertThat(queries.activeRoomCount()).isEqualTo(3);
    }

    @Test
    void roomsListNewestFirst_byStatus_andPageByKeyset() throws Exception {
        run(tx -> {
            for (int i = 0; i < 7; i++) {
                tx.saveRooms(List.of(room("RM_" + i, "r" + i, i % 3 == 0 ? Room.FINISHED : Room.ACTIVE, T + (i / 2) * 1000L)));
            }
            tx.saveRooms(List.of(room("RM_nostart", "n", Room.ACTIVE, null)));
        });
        List<String> seen = new ArrayList<>();
        RoomKey before = null;
        for (int pages = 0; pages < 10; pages++) {
            Page<RoomSummary> page = queries.rooms(null, before, 3);
            page.items().forEach(r -> seen.add(r.room().sid()));
            if (!page.more()) {
                break;
            }
            before = RoomKey.of(page.last().orElseThrow());
        }
        assertThat(seen).containsExactly("RM_6", "RM_5", "RM_4", "RM_3", "RM_2", "RM_1", "RM_0", "RM_nostart");
        assertThat(queries.rooms(Room.FINISHED, null, 10).items()).extracting(r -> r.room().sid())
                .containsExactly("RM_6", "RM_3", "RM_0");
    }

    @Test
    void roomFiguresCountSessionsPresenceTimeAndEgress() throws Exception {
        long start = NOW - 100_000;
        run(tx -> {
            tx.saveRooms(List.of(new Room("RM_a", "a", Room.ACTIVE, start, "room_started", null, null, "", 2, NOW)));
            tx.saveSessions(List.of(session("PA_1", "RM_a", "alice", start + 10_000, start + 40_000))); // 30 s
            tx.saveSessions(List.of(session("PA_2", "RM_a", "alice", start + 50_000, null))); // reconnect, open: 50 s to now
            tx.saveSessions(List.of(session("PA_3", "RM_a", "bob", start + 90_000, null))); // 10 s
            tx.saveSessions(List.of(session("PA_4", "RM_a", "carol", null, start + 5_000))); // join unknown: 0
            tx.saveEgress(List.of(new Egress("EG_1", "RM_a", "a", "EGRESS_ACTIVE", 1L, null, 2, "", "{}")));
            tx.saveEgress(List.of(new Egress("EG_2", "", "a", "EGRESS_COMPLETE", 1L, 3L, 3, "", "{}"))); // by name
            tx.saveEgress(List.of(new Egress("EG_3", "RM_other", "a", "EGRESS_COMPLETE", 1L, 3L, 3, "", "{}")));
        });
        RoomSummary summary = queries.rooms(null, null, 10).items().get(0);
        StateQueries.RoomFigures figures = summary.figures();
        assertThat(figures.durationMs()).isEqualTo(100_000);
        assertThat(figures.peakParticipants()).isEqualTo(2);
        assertThat(figures.currentParticipants()).isEqualTo(2);
        assertThat(figures.sessions()).isEqualTo(4);
        assertThat(figures.identities()).isEqualTo(3);
        assertThat(figures.participantMs()).isEqualTo(30_000 + 50_000 + 10_000);
        assertThat(figures.egressByStatus()).isEqualTo(Map.of("EGRESS_ACTIVE", 1L, "EGRESS_COMPLETE", 1L));

        RoomDetail detail = queries.room("RM_a").orElseThrow();
        assertThat(detail.summary().figures()).isEqualTo(figures);
        assertThat(detail.sessions()).extracting(s -> s.session().sid(), SessionSpan::durationMs)
                .containsExactly(tuple("PA_4", 0L), tuple("PA_1", 30_000L), tuple("PA_2", 50_000L),
                        tuple("PA_3", 10_000L));
        assertThat(detail.currentParticipants()).containsExactly("alice", "bob");
        assertThat(detail.egress()).extracting(Egress::egressId).containsExactly("EG_1", "EG_2");
        assertThat(detail.tracks()).isEmpty();
    }

    // -- sessions and tracks ------------------------------------------------------------------------

    @Test
    void sessionsOpenPresenceAndUpdates() throws Exception {
        run(tx -> {
            tx.saveSessions(List.of(session("PA_2", "RM_a", "alice", T, null)));
            tx.saveSessions(List.of(session("PA_1", "RM_a", "alice", T - 10, T - 5)));
            tx.saveSessions(List.of(session("PA_3", "RM_a", "bob", T, null)));
            tx.saveSessions(List.of(session("PA_4", "RM_b", "bob", T, null)));
        });
        assertThat(tx((StateTx tx) -> tx.openSessionsOfRooms(List.of("RM_a")))).extracting(Session::sid).containsExactly("PA_2", "PA_3");
        assertThat(tx((StateTx tx) -> tx.presentIdentities("RM_a"))).isEqualTo(2);
        assertThat(tx((StateTx tx) -> tx.presentIdentities("RM_none"))).isZero();
        assertThat(queries.sessionsOfRoom("RM_a")).extracting(Session::sid).containsExactly("PA_1", "PA_2", "PA_3");

        Session left = session("PA_2", "RM_a", "alice", T, T + 9);
        run(tx -> tx.saveSessions(List.of(left)));
        assertThat(tx((StateTx tx) -> tx.session("PA_2"))).contains(left);
        assertThat(tx((StateTx tx) -> tx.presentIdentities("RM_a"))).isEqualTo(1);
        assertThat(tx((StateTx tx) -> tx.session("PA_none"))).isEmpty();
    }

    @Test
    void anIdentitysSessionsAcrossRoomsPageNewestFirst() throws Exception {
        run(tx -> {
            tx.saveRooms(List.of(room("RM_a", "a", Room.FINISHED, T)));
            for (int i = 0; i < 5; i++) {
                tx.saveSessions(List.of(session("PA_" + i, "RM_a", "alice", T + i * 1000L, T + i * 1000L + 500)));
            }
            tx.saveSessions(List.of(session("PA_x", "RM_gone", "alice", null, null))); // a room livehook never saw
            tx.saveSessions(List.of(session("PA_b", "RM_a", "bob", T, null)));
        });
        List<String> seen = new ArrayList<>();
        SessionKey before = null;
        for (int pages = 0; pages < 10; pages++) {
            Page<SessionSpan> page = queries.identitySessions("alice", before, 2).orElseThrow();
            page.items().forEach(s -> seen.add(s.session().sid()));
            if (!page.more()) {
                break;
            }
            before = SessionKey.of(page.last().orElseThrow());
        }
        assertThat(seen).containsExactly("PA_4", "PA_3", "PA_2", "PA_1", "PA_0", "PA_x");
        assertThat(queries.identitySessions("alice", null, 10).orElseThrow().items().get(0).durationMs()).isEqualTo(500);
        assertThat(queries.identitySessions("nobody", null, 10)).isEmpty();
    }

    @Test
    void tracksOpenOfAParticipant_andOfARoomInPublishOrder() throws Exception {
        run(tx -> {
            tx.saveTracks(List.of(track("TR_2", "PA_1", "RM_a", T + 20, null)));
            tx.saveTracks(List.of(track("TR_1", "PA_1", "RM_a", T + 10, "track_unpublished")));
            tx.saveTracks(List.of(track("TR_3", "PA_1", "RM_a", null, null)));
            tx.saveTracks(List.of(track("TR_4", "PA_2", "RM_a", T + 5, null)));
        });
        assertThat(tx((StateTx tx) -> tx.openTracksOfParticipants(List.of("PA_1")))).extracting(Track::sid).containsExactly("TR_2", "TR_3");
        Track ended = track("TR_2", "PA_1", "RM_a", T + 20, "participant_left");
        run(tx -> tx.saveTracks(List.of(ended)));
        assertThat(tx((StateTx tx) -> tx.track("TR_2"))).contains(ended);
        assertThat(tx((StateTx tx) -> tx.track("TR_none"))).isEmpty();
        run(tx -> tx.saveRooms(List.of(room("RM_a", "a", Room.ACTIVE, T))));
        assertThat(queries.room("RM_a").orElseThrow().tracks()).extracting(Track::sid)
                .containsExactly("TR_3", "TR_4", "TR_1", "TR_2");
    }

    // -- egress and ingress -------------------------------------------------------------------------

    @Test
    void egressAndIngressWithTheirHistories() throws Exception {
        Egress egress = new Egress("EG_1", "RM_a", "a", "EGRESS_ACTIVE", 10L, null, 20, "", "{\"f\":1}");
        Ingress ingress = new Ingress("IN_1", "obs", "a", "obs-1", "ENDPOINT_PUBLISHING", "", 5L, null, 6);
        run(tx -> {
            tx.saveEgress(List.of(egress));
            tx.addEgressHistory(List.of(new StatusChange("EG_1", "EV_1", "EGRESS_ACTIVE", 20)));
            tx.addEgressHistory(List.of(new StatusChange("EG_1", "EV_1", "EGRESS_ACTIVE", 20))); // the same event again: kept once
            tx.saveIngress(List.of(ingress));
            tx.addIngressHistory(List.of(new StatusChange("IN_1", "EV_2", "ENDPOINT_PUBLISHING", 6)));
            tx.addIngressHistory(List.of(new StatusChange("IN_1", "EV_2", "ENDPOINT_PUBLISHING", 6)));
        });
        assertThat(tx((StateTx tx) -> tx.egress("EG_1"))).contains(egress);
        assertThat(tx((StateTx tx) -> tx.ingress("IN_1"))).contains(ingress);
        assertThat(StateSql.count(store, "SELECT count(*) FROM egress_history")).isEqualTo(1);
        assertThat(StateSql.count(store, "SELECT count(*) FROM ingress_history")).isEqualTo(1);

        Egress done = new Egress("EG_1", "RM_a", "a", "EGRESS_COMPLETE", 10L, 30L, 30, "", "{}");
        Ingress ended = new Ingress("IN_1", "obs", "a", "obs-1", "ENDPOINT_INACTIVE", "gone", 5L, 9L, 9);
        run(tx -> {
            tx.saveEgress(List.of(done));
            tx.saveIngress(List.of(ended));
        });
        assertThat(StateSql.egress(store)).containsExactly(done);
        assertThat(StateSql.ingress(store)).containsExactly(ended);
        assertThat(tx((StateTx tx) -> tx.egress("EG_none"))).isEmpty();
        assertThat(tx((StateTx tx) -> tx.ingress("IN_none"))).isEmpty();
    }

    // -- anomalies and dead letters -------------------------------------------------------------------

    @Test
    void anomaliesKeepTheirOrder_filterAndPage_andCanBeWatched() throws Exception {
        assertThat(queries.lastAnomalyId()).isZero();
        run(tx -> {
            tx.recordAnomalies(List.of(anomaly("left_without_join", "RM_a", "a", List.of("EV_1"), T + 1)));
            tx.recordAnomalies(List.of(anomaly("room_inferred", "RM_b", "b", List.of("EV_2", "EV_3"), T + 2)));
            tx.recordAnomalies(List.of(anomaly("left_without_join", "RM_a", "a", List.of(), T + 3)));
        });
        assertThat(StateSql.anomalies(store)).extracting(Anomaly::kind, Anomaly::eventIds).containsExactly(
                tuple("left_without_join", List.of("EV_1")), tuple("room_inferred", List.of("EV_2", "EV_3")),
                tuple("left_without_join", List.of()));
        long last = queries.lastAnomalyId();
        List<AnomalyRecord> all = queries.anomaliesAfter(0, 10);
        assertThat(all).extracting(AnomalyRecord::id).isSorted().doesNotHaveDuplicates().last().isEqualTo(last);
        assertThat(queries.anomaliesAfter(all.get(0).id(), 1)).extracting(AnomalyRecord::id)
                .containsExactly(all.get(1).id());

        Page<AnomalyRecord> first = queries.anomalies(null, null, null, 2);
        assertThat(first.items()).extracting(a -> a.anomaly().atMs()).containsExactly(T + 3, T + 2);
        assertThat(first.more()).isTrue();
        assertThat(queries.anomalies(null, null, first.last().orElseThrow().id(), 2).items())
                .extracting(a -> a.anomaly().atMs()).containsExactly(T + 1);
        assertThat(queries.anomalies("a", "left_without_join", null, 10).items()).hasSize(2);
        assertThat(queries.anomalies("RM_b", null, null, 10).items()).hasSize(1);
    }

    @Test
    void aTimelineHasTheRoomsEventsInLogOrder_withTheirAnomalies_includingSidlessOnesOfItsLifetime()
            throws Exception {
        run(tx -> {
            tx.saveRooms(List.of(new Room("RM_a", "a", Room.FINISHED, T, "room_started", T + 60_000, "room_finished", "", 1,
                    T + 60_000)));
            tx.recordEvents(List.of(event("EV_1", 1, "RM_a", "a")));
            tx.recordEvents(List.of(event("EV_2", 2, null, "a"))); // no sid, during the room: its own
            tx.recordEvents(List.of(event("EV_3", 3, "RM_a", "a")));
            tx.recordEvents(List.of(event("EV_late", 200, null, "a"))); // no sid, after the room finished: another room's
            tx.recordEvents(List.of(event("EV_other", 4, "RM_b", "b")));
            tx.recordAnomalies(List.of(anomaly("left_without_join", "RM_a", "a", List.of("EV_3"), T + 3)));
            tx.recordAnomalies(List.of(anomaly("room_inferred", null, "a", List.of("EV_2"), T + 2)));
        });
        Timeline timeline = queries.timeline("a", null, 2).orElseThrow();
        assertThat(timeline.room().sid()).isEqualTo("RM_a");
        assertThat(timeline.entries().items()).extracting(e -> e.event().eventId()).containsExactly("EV_1", "EV_2");
        assertThat(timeline.entries().more()).isTrue();
        assertThat(timeline.entries().items().get(1).anomalies()).extracting(a -> a.anomaly().kind())
                .containsExactly("room_inferred");
        assertThat(timeline.anomalies()).hasSize(2);

        Timeline rest = queries.timeline("RM_a", LogPosition.of(timeline.entries().last().orElseThrow()), 2)
                .orElseThrow();
        assertThat(rest.entries().items()).extracting(e -> e.event().eventId()).containsExactly("EV_3");
        assertThat(rest.entries().more()).isFalse();
        assertThat(queries.timeline("nothing", null, 2)).isEmpty();
    }

    @Test
    void stateChangesArePrunedFromTheOldest_byAgeAndByCount_leavingNoHoles() throws Exception {
        for (int i = 0; i < 10; i++) {
            StateChange c = new StateChange(0, StateChange.SESSION_OPENED, "RM_a", "a", "PA_" + i, "u" + i, null,
                    "livekit", "EV_" + i, T + i);
            long recordedMs = T + i * 1_000;
            run(tx -> tx.recordStateChanges(List.of(c), recordedMs));
        }
        assertThat(queries.changeBounds()).containsExactly(1, 10);

        assertThat(this.<Integer>tx(tx -> tx.pruneStateChanges(T + 3_000, 1_000))).as("recorded before the cutoff").isEqualTo(3);
        assertThat(queries.changeBounds()).containsExactly(4, 10);
        assertThat(this.<Integer>tx(tx -> tx.pruneStateChanges(T, 5))).as("all but the newest five").isEqualTo(2);
        assertThat(queries.changesAfter(0, 100)).extracting(StateChange::id).containsExactly(6L, 7L, 8L, 9L, 10L);
        assertThat(queries.changesAfter(0, 100)).extracting(StateChange::eventId).startsWith("EV_5");

        // A clock stepped back: a change recorded "earlier" than one before it stays while its elders stay.
        StateChange stepped = new StateChange(0, StateChange.SESSION_ENDED, "RM_a", "a", "PA_5", "u5", null,
                "livekit", "EV_back", T + 20);
        run(tx -> tx.recordStateChanges(List.of(stepped), T + 1_000));
        assertThat(this.<Integer>tx(tx -> tx.pruneStateChanges(T + 7_000, 1_000))).isEqualTo(2);
        assertThat(queries.changesAfter(0, 100)).extracting(StateChange::id).containsExactly(8L, 9L, 10L, 11L);

        assertThat(this.<Integer>tx(tx -> tx.pruneStateChanges(T + 60_000, 1_000))).as("everything is old").isEqualTo(4);
        assertThat(queries.changesAfter(0, 100)).isEmpty();
        assertThat(queries.changeBounds()).containsExactly(0, 0);
    }

    @Test
    void aDeadLetterOpens_countsItsFailures_isRetriedAndResolved() throws Exception {
        run(tx -> tx.recordDeadLetters(List.of(new DeadLetter.Failure("EV_1", 0, 5, "participant_joined", "a", "first", T))));
        run(tx -> tx.recordDeadLetters(List.of(new DeadLetter.Failure("EV_2", 0, 6, "participant_left", "a", "other", T + 1))));
        assertThat(queries.deadLetter("EV_1")).contains(
                new DeadLetter("EV_1", 0, 5, "participant_joined", "a", "first", 1, DeadLetter.OPEN, T, T));
        assertThat(queries.unresolvedDeadLetters()).isEqualTo(2);

        assertThat(tx((StateTx tx) -> tx.markForRetry(List.of("EV_1", "EV_none")))).extracting(DeadLetter::eventId)
                .containsExactly("EV_1");
        assertThat(tx((StateTx tx) -> tx.markForRetry(List.of("EV_1")))).as("already retrying").isEmpty();
        assertThat(tx(StateTx::deadLettersRetrying)).extracting(DeadLetter::eventId).containsExactly("EV_1");

        run(tx -> tx.recordDeadLetters(List.of(new DeadLetter.Failure("EV_1", 0, 5, "participant_joined", "a", "second", T + 9))));
        DeadLetter again = queries.deadLetter("EV_1").orElseThrow();
        assertThat(again).extracting(DeadLetter::attempts, DeadLetter::status, DeadLetter::error,
                DeadLetter::firstFailedMs, DeadLetter::lastFailedMs).containsExactly(2, DeadLetter.OPEN, "second", T, T + 9);

        run(tx -> tx.resolveDeadLetters(List.of("EV_2")));
        assertThat(queries.unresolvedDeadLetters()).isEqualTo(1);
        assertThat(StateSql.deadLetters(store)).extracting(DeadLetter::status)
                .containsExactly(DeadLetter.OPEN, DeadLetter.RESOLVED);

        Page<DeadLetter> first = queries.deadLetters(null, null, 1);
        assertThat(first.items()).extracting(DeadLetter::eventId).containsExactly("EV_1");
        assertThat(queries.deadLetters(null, DeadLetterKey.of(first.last().orElseThrow()), 1).items())
                .extracting(DeadLetter::eventId).containsExactly("EV_2");
        assertThat(queries.deadLetters(DeadLetter.RESOLVED, null, 10).items()).extracting(DeadLetter::eventId)
                .containsExactly("EV_2");
        assertThat(queries.deadLetter("EV_none")).isEmpty();
    }

    @Test
    void checkpointsStartAtZero_andMoveForEachConsumerAndPartition() throws Exception {
        assertThat(tx((StateTx tx) -> tx.checkpoint("process", 0))).isZero();
        run(tx -> {
            tx.saveCheckpoint("process", 0, 41);
            tx.saveCheckpoint("process", 1, 7);
            tx.saveCheckpoint("other", 0, 3);
        });
        run(tx -> tx.saveCheckpoint("process", 0, 42));
        assertThat(tx((StateTx tx) -> tx.checkpoint("process", 0))).isEqualTo(42);
        assertThat(tx((StateTx tx) -> tx.checkpoint("process", 1))).isEqualTo(7);
        assertThat(tx((StateTx tx) -> tx.checkpoint("other", 0))).isEqualTo(3);
    }

    // -- transactions -----------------------------------------------------------------------------------

    @Test
    void aTransactionIsAllOrNothing_batchedWritesToo() throws Exception {
        assertThatThrownBy(() -> run(tx -> {
            tx.saveRooms(List.of(room("RM_a", "a", Room.ACTIVE, T)));
            throw new IllegalStateException("the event turned out to be unprocessable");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(StateSql.rooms(store)).isEmpty();

        assertThatThrownBy(() -> run(tx -> {
            tx.saveRooms(List.of(room("RM_a", "a", Room.ACTIVE, T), room("RM_b", "b", Room.ACTIVE, T)));
            tx.recordEvents(List.of(event("EV_1", 1, "RM_a", "a")));
            throw new IllegalStateException("a rule failed");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(StateSql.rooms(store)).isEmpty();
        assertThat(StateSql.events(store)).isEmpty();
    }

    /**
     * A failure the data causes (a constraint it violates) is not temporary; a store that cannot write whatever
     * the data (a full disk) is: the dialect tells them apart, and processing dead-letters only the first.
     */
    @Test
    void theDialectTellsTheDatasFailuresFromTheStores() throws Exception {
        run(tx -> tx.saveRooms(List.of(room("RM_x", "x", Room.ACTIVE, T))));
        SQLException duplicate = failure(() -> run(tx -> tx.sql().update("INSERT INTO rooms (sid, name, status, "
                + "start_source, last_event_ms) VALUES ('RM_x', 'x', 'active', 'inferred', 0)")));
        assertThat(store.isTemporary(duplicate)).as("a duplicate key: %s", duplicate).isFalse();

        backend().failInserts(store, "checkpoints", "NEW.consumer = 'refused'", StateBackend.Failure.OF_THE_EVENT);
        SQLException refused = failure(() -> run(tx -> tx.saveCheckpoint("refused", 0, 1)));
        backend().stopFailing(store, "checkpoints");
        assertThat(store.isTemporary(refused)).as("a constraint: %s", refused).isFalse();

        backend().failInserts(store, "checkpoints", "NEW.consumer = 'full'", StateBackend.Failure.OF_THE_STORE);
        SQLException full = failure(() -> run(tx -> tx.saveCheckpoint("full", 0, 1)));
        assertThat(store.isTemporary(full)).as("a full disk: %s", full).isTrue();
        assertThat(store.isTemporary(new StateUnavailableException("wrapped", full))).isTrue();
        assertThat(store.isTemporary(new IllegalArgumentException("not the store's"))).isFalse();

        // the failed transaction left nothing behind, and the store works once the disk has room again
        backend().stopFailing(store, "checkpoints");
        run(tx -> tx.saveCheckpoint("full", 0, 2));
        assertThat(tx((StateTx tx) -> tx.checkpoint("full", 0))).isEqualTo(2);
        assertThat(tx((StateTx tx) -> tx.checkpoint("refused", 0))).isZero();
    }

    static SQLException failure(TxAction action) {
        try {
            action.run();
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("expected the store to fail");
    }

    @FunctionalInterface
    interface TxAction {
        void run() throws SQLException;
    }

    /** Lanes write at once: every transaction commits whole, whatever the dialect's writer policy. */
    @Test
    void concurrentWritersAllCommit() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int n = 0; n < 25; n++) {
                        int i = n;
                        run(tx -> {
                            tx.recordEvents(List.of(event("EV_" + writer + "_" + i, writer * 100L + i, "RM_" + writer,
                                    "r" + writer)));
                            tx.saveCheckpoint("w" + writer, 0, i);
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(queries.eventCount()).isEqualTo(200);
        for (int w = 0; w < 8; w++) {
            int writer = w;
            assertThat(tx((StateTx tx) -> tx.checkpoint("w" + writer, 0))).isEqualTo(24);
        }
    }

    @Test
    void reopeningFindsWhatWasCommitted() throws Exception {
        run(tx -> {
            tx.saveRooms(List.of(room("RM_a", "a", Room.ACTIVE, T)));
            tx.saveCheckpoint("process", 0, 9);
        });
        store.close();
        store = StateStore.open(location);
        assertThat(StateSql.rooms(store)).extracting(Room::sid).containsExactly("RM_a");
        assertThat(tx((StateTx tx) -> tx.checkpoint("process", 0))).isEqualTo(9);
    }

    // -- the delivery outbox ----------------------------------------------------------------------

    StoredEvent queued(String id, long offset, String room, String destination) throws SQLException {
        StoredEvent e = event(id, offset, "RM_" + room, room);
        run(tx -> {
            tx.recordEvents(List.of(e));
            tx.queueDeliveries(destination, List.of(e), T);
        });
        return e;
    }

    @Test
    void queuedDeliveriesLineUpPerQueueKey_onlyTheHeadOfEachIsDue() throws Exception {
        queued("EV_a1", 1, "a", "app");
        queued("EV_b1", 2, "b", "app");
        queued("EV_a2", 3, "a", "app");
        queued("EV_a1x", 4, "a", "audit");
        run(tx -> tx.queueDeliveries("app", List.of(event("EV_a1", 1, "RM_a", "a")), T + 5)); // queued twice: kept once

        assertThat(deliveries.heads("app", 10)).extracting(Delivery::eventId).containsExactly("EV_a1", "EV_b1");
        assertThat(deliveries.heads("app", List.of("a"))).extracting(Delivery::eventId).containsExactly("EV_a1");
        assertThat(deliveries.heads("app", List.of("nothing"))).isEmpty();
        assertThat(deliveries.heads("app", List.of("b", "a", "nothing", "a"))).as("soonest due, then log order")
                .extracting(Delivery::eventId).containsExactly("EV_a1", "EV_b1");
        assertThat(deliveries.pending("app", 10)).as("every pending one, whatever its queue")
                .extracting(Delivery::eventId).containsExactly("EV_a1", "EV_b1", "EV_a2");
        assertThat(deliveries.count("app", Delivery.PENDING)).isEqualTo(3);
        assertThat(deliveries.oldestPendingQueuedMs("app")).contains(T);
        assertThat(deliveries.oldestPendingQueuedMs("nobody")).as("none pending").isEmpty();
        Delivery first = deliveries.deliveries("app", "EV_a1").get(0);
        assertThat(first).extracting(Delivery::replay, Delivery::status, Delivery::attempts, Delivery::queueKey,
                Delivery::logOffset).containsExactly(0, Delivery.PENDING, 0, "a", 1L);
    }

    @Test
    void anAttemptIsRecordedBeforeTheRequest_andItsAnswerAfter_staleReadsSendNothing() throws Exception {
        queued("EV_1", 1, "a", "app");
        Delivery d = deliveries.heads("app", 1).get(0);

        assertThat(beginAttempt(d, T + 10)).contains(1);
        assertThat(beginAttempt(d, T + 11)).as("the same read again: stale").isEmpty();
        assertThat(deliveries.attempts(d)).singleElement().extracting(DeliveryAttempt::outcome)
                .isEqualTo(DeliveryAttempt.IN_FLIGHT);

        Delivery begun = deliveries.deliveries("app", "EV_1").get(0);
        finishAttempt(begun, new DeliveryAttempt(1, T + 10, 40L, 503, "busy", "try later",
                DeliveryAttempt.RETRY), Delivery.PENDING, T + 1_000, T + 50);
        Delivery retrying = deliveries.deliveries("app", "EV_1").get(0);
        assertThat(retrying).extracting(Delivery::status, Delivery::attempts, Delivery::nextAttemptMs,
                Delivery::lastError).containsExactly(Delivery.PENDING, 1, T + 1_000, "HTTP 503: busy");

        assertThat(beginAttempt(retrying, T + 1_000)).contains(2);
        finishAttempt(retrying, new DeliveryAttempt(2, T + 1_000, 12L, 200, null, "ok",
                DeliveryAttempt.DELIVERED), Delivery.DELIVERED, T + 1_000, T + 1_012);
        assertThat(deliveries.deliveries("app", "EV_1").get(0)).extracting(Delivery::status, Delivery::deliveredMs,
                Delivery::lastError).containsExactly(Delivery.DELIVERED, T + 1_012, null);
        assertThat(deliveries.attempts(retrying)).extracting(DeliveryAttempt::attempt, DeliveryAttempt::httpStatus,
                DeliveryAttempt::outcome).containsExactly(tuple(1, 503, DeliveryAttempt.RETRY),
                tuple(2, 200, DeliveryAttempt.DELIVERED));
        assertThat(deliveries.heads("app", 10)).isEmpty();
    }

    /** One delivery's attempt through the batched calls the senders use. */
    private Optional<Integer> beginAttempt(Delivery d, long nowMs) throws SQLException {
        return deliveries.claim(List.of(d), nowMs).stream().findFirst().map(DeliveryStore.Claim::attempt);
    }

    private void finishAttempt(Delivery d, DeliveryAttempt attempt, String status, long nextAttemptMs, long nowMs)
            throws SQLException {
        deliveries.settle(List.of(new DeliveryStore.Settled(new DeliveryStore.Claim(d, attempt.attempt()), attempt,
                status, nextAttemptMs)), nowMs);
    }

    @Test
    void manyAttemptsAreClaimedAndSettledTogether_staleOnesLeftOut() throws Exception {
        List<Delivery> heads = new ArrayList<>();
        for (int room = 0; room < 40; room++) {
            queued("EV_" + room, room + 1, "r" + room, "app");
        }
        heads.addAll(deliveries.heads("app", 100));
        assertThat(heads).hasSize(40);
        Delivery stale = heads.get(7);
        assertThat(beginAttempt(stale, T)).contains(1);

        List<DeliveryStore.Claim> claims = deliveries.claim(heads, T + 5);
        assertThat(claims).as("all but the one claimed since it was read").hasSize(39)
                .extracting(c -> c.delivery().eventId()).doesNotContain(stale.eventId());
        assertThat(claims).extracting(DeliveryStore.Claim::attempt).containsOnly(1);
        assertThat(deliveries.attempts(heads.get(0))).singleElement().extracting(DeliveryAttempt::outcome,
                DeliveryAttempt::startedMs).containsExactly(DeliveryAttempt.IN_FLIGHT, T + 5);

        List<DeliveryStore.Settled> settled = new ArrayList<>();
        for (DeliveryStore.Claim c : claims) {
            boolean ok = !c.delivery().eventId().equals("EV_3");
            settled.add(new DeliveryStore.Settled(c, new DeliveryAttempt(c.attempt(), T + 5, 3L, ok ? 200 : 500,
                    null, ok ? "ok" : "oops", ok ? DeliveryAttempt.DELIVERED : DeliveryAttempt.RETRY),
                    ok ? Delivery.DELIVERED : Delivery.PENDING, ok ? T + 5 : T + 2_000));
        }
        deliveries.settle(settled, T + 9);
        assertThat(deliveries.count("app", Delivery.DELIVERED)).isEqualTo(38);
        assertThat(deliveries.deliveries("app", "EV_3").get(0)).extracting(Delivery::status, Delivery::attempts,
                Delivery::nextAttemptMs, Delivery::lastError).containsExactly(Delivery.PENDING, 1, T + 2_000, "HTTP 500");
        assertThat(deliveries.attempts(heads.get(0))).singleElement().extracting(DeliveryAttempt::outcome,
                DeliveryAttempt::latencyMs, DeliveryAttempt::responseSnippet)
                .containsExactly(DeliveryAttempt.DELIVERED, 3L, "ok");
        assertThat(deliveries.deliveries("app", stale.eventId()).get(0).deliveredMs()).isNull();
        assertThat(deliveries.heads("app", 100)).extracting(Delivery::eventId)
                .containsExactlyInAnyOrder("EV_3", stale.eventId());
        assertThat(deliveries.claim(List.of(), T)).isEmpty();
    }

    @Test
    void attemptsLeftInFlightByAStoppedProcessBecomeUnknown() throws Exception {
        queued("EV_1", 1, "a", "app");
        Delivery d = deliveries.heads("app", 1).get(0);
        beginAttempt(d, T);
        assertThat(deliveries.recoverInFlight()).isEqualTo(1);
        assertThat(deliveries.attempts(d)).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(DeliveryAttempt.UNKNOWN);
            assertThat(a.error()).contains("stopped");
        });
        assertThat(deliveries.recoverInFlight()).isZero();
    }

    @Test
    void deadDeliveriesAreFound_retried_andReplayedAsNewDeliveries() throws Exception {
        queued("EV_1", 1, "a", "app");
        queued("EV_2", 2, "b", "app");
        queued("EV_3", 3, "a", "app");
        for (String id : List.of("EV_1", "EV_2")) {
            Delivery d = deliveries.deliveries("app", id).get(0);
            beginAttempt(d, T);
            finishAttempt(d, new DeliveryAttempt(1, T, 5L, 400, null, "no", DeliveryAttempt.DEAD),
                    Delivery.DEAD, d.nextAttemptMs(), T + 5);
        }
        DeliveryFilter roomA = new DeliveryFilter(Optional.of("app"), Optional.of("a"), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of());
        assertThat(deliveries.find(Optional.of(Delivery.DEAD), DeliveryFilter.any(), 10))
                .extracting(Delivery::eventId).containsExactly("EV_1", "EV_2");
        assertThat(deliveries.find(Optional.empty(), roomA, 10)).extracting(Delivery::eventId)
                .containsExactly("EV_1", "EV_3");
        DeliveryFilter byIds = new DeliveryFilter(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of("EV_2", "EV_3"));
        assertThat(deliveries.find(Optional.empty(), byIds, 10)).extracting(Delivery::eventId)
                .containsExactly("EV_2", "EV_3");

        assertThat(deliveries.retry(roomA, T + 100)).isEqualTo(1);
        assertThat(deliveries.deliveries("app", "EV_1").get(0)).extracting(Delivery::status, Delivery::roundAttempts,
                Delivery::nextAttemptMs, Delivery::deadMs).containsExactly(Delivery.PENDING, 0, T + 100, null);

        // replay: new deliveries of events not pending or dead there; none for types the destination skips
        assertThat(deliveries.replay("app", type -> true, DeliveryFilter.any(), T + 200)).isZero();
        Delivery third = deliveries.deliveries("app", "EV_3").get(0);
        beginAttempt(third, T);
        finishAttempt(third, new DeliveryAttempt(1, T, 1L, 200, null, "", DeliveryAttempt.DELIVERED),
                Delivery.DELIVERED, third.nextAttemptMs(), T + 1);
        assertThat(deliveries.replay("app", type -> false, DeliveryFilter.any(), T + 200)).isZero();
        assertThat(deliveries.replay("app", type -> true, DeliveryFilter.any(), T + 200)).isEqualTo(1);
        assertThat(deliveries.replay("app", type -> true, DeliveryFilter.any(), T + 300)).as("pending now").isZero();
        assertThat(deliveries.deliveries("app", "EV_3")).extracting(Delivery::replay, Delivery::status)
                .containsExactly(tuple(0, Delivery.DELIVERED), tuple(1, Delivery.PENDING));
        assertThat(deliveries.replay("audit", type -> true, roomA, T + 400)).as("two events of room a").isEqualTo(2);
    }

    @Test
    void deliveriesPageInTheOrderTheirEventsWereReceived_acrossDestinationsAndReplays_withoutGapsOrRepeats()
            throws Exception {
        queued("EV_1", 1, "a", "app");
        queued("EV_2", 2, "b", "app");
        run(tx -> tx.queueDeliveries("audit", List.of(event("EV_2", 2, "RM_b", "b")), T));
        queued("EV_3", 3, "a", "audit");
        Delivery second = deliveries.deliveries("app", "EV_2").get(0);
        beginAttempt(second, T);
        finishAttempt(second, new DeliveryAttempt(1, T, 1L, 200, null, "", DeliveryAttempt.DELIVERED),
                Delivery.DELIVERED, second.nextAttemptMs(), T + 1);
        assertThat(deliveries.replay("app", type -> true, new DeliveryFilter(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), List.of("EV_2")), T + 10)).isEqualTo(1);

        List<String> walked = new ArrayList<>();
        DeliveryStore.DeliveryKey after = null;
        for (int pages = 0; pages < 10; pages++) {
            Page<Delivery> page = deliveries.page(Optional.empty(), DeliveryFilter.any(), after, 2);
            page.items().forEach(d -> walked.add(d.eventId() + ">" + d.destination() + "#" + d.replay()));
            if (!page.more()) {
                break;
            }
            after = DeliveryStore.DeliveryKey.of(page.last().orElseThrow());
        }
        assertThat(walked).containsExactly("EV_1>app#0", "EV_2>app#0", "EV_2>app#1", "EV_2>audit#0", "EV_3>audit#0");
        assertThat(deliveries.find(Optional.empty(), DeliveryFilter.any(), 10)).extracting(
                d -> d.eventId() + ">" + d.destination() + "#" + d.replay()).containsExactlyElementsOf(walked);
        Page<Delivery> pending = deliveries.page(Optional.of(Delivery.PENDING), DeliveryFilter.any(),
                null, 3);
        assertThat(pending.items()).extracting(Delivery::eventId).containsExactly("EV_1", "EV_2", "EV_2");
        assertThat(pending.more()).isTrue();
    }

    @Test
    void eachDestinationsFiguresByStatus_withItsOldestPending_andTheNewestErrorNotYetDelivered() throws Exception {
        assertThat(deliveries.figures()).isEmpty();
        queued("EV_1", 1, "a", "app");
        queued("EV_2", 2, "b", "app");
        queued("EV_3", 3, "a", "app");
        queued("EV_4", 4, "c", "audit");
        Delivery first = deliveries.deliveries("app", "EV_1").get(0);
        beginAttempt(first, T + 10);
        finishAttempt(first, new DeliveryAttempt(1, T + 10, 5L, 503, "busy", "", DeliveryAttempt.RETRY),
                Delivery.PENDING, T + 1_000, T + 15);
        Delivery second = deliveries.deliveries("app", "EV_2").get(0);
        beginAttempt(second, T + 20);
        finishAttempt(second, new DeliveryAttempt(1, T + 20, 5L, 400, "bad", "", DeliveryAttempt.DEAD),
                Delivery.DEAD, second.nextAttemptMs(), T + 25);
        Delivery fourth = deliveries.deliveries("audit", "EV_4").get(0);
        beginAttempt(fourth, T + 30);
        finishAttempt(fourth, new DeliveryAttempt(1, T + 30, 5L, 500, null, "", DeliveryAttempt.RETRY),
                Delivery.PENDING, T + 1_000, T + 35);
        fourth = deliveries.deliveries("audit", "EV_4").get(0);
        beginAttempt(fourth, T + 1_000);
        finishAttempt(fourth, new DeliveryAttempt(2, T + 1_000, 5L, 200, null, "", DeliveryAttempt.DELIVERED),
                Delivery.DELIVERED, fourth.nextAttemptMs(), T + 1_005);

        var figures = deliveries.figures();
        assertThat(figures.keySet()).containsExactly("app", "audit");
        assertThat(figures.get("app")).isEqualTo(new DeliveryStore.DestinationFigures("app", 2, 0, 1, T, "HTTP 400: bad",
                T + 20));
        assertThat(figures.get("audit")).as("its error was delivered past: none left")
                .isEqualTo(new DeliveryStore.DestinationFigures("audit", 0, 1, 0, null, null, null));
    }

    // -- rebuilding -------------------------------------------------------------------------------------

    @Test
    void aRebuildTakesTheOldStatesPlaceWhole_carryingItsDeliveriesOver() throws Exception {
        run(tx -> tx.saveRooms(List.of(room("RM_old", "old", Room.ACTIVE, T))));
        queued("EV_1", 1, "a", "app");
        Delivery d = deliveries.heads("app", 1).get(0);
        beginAttempt(d, T);
        store.close();

        long events = StateStore.rebuild(location, fresh -> {
            fresh.inTransaction(tx -> {
                tx.saveRooms(List.of(room("RM_new", "new", Room.ACTIVE, T)));
                return tx.recordEvents(List.of(event("EV_1", 1, "RM_a", "a")))[0];
            });
            return new StateQueries(fresh, Clock.systemUTC()).eventCount();
        });
        assertThat(events).isEqualTo(1);

        store = StateStore.open(location);
        assertThat(StateSql.rooms(store)).extracting(Room::sid).containsExactly("RM_new");
        assertThat(new DeliveryStore(store).deliveries("app", "EV_1")).singleElement()
                .extracting(Delivery::attempts).isEqualTo(1);
        assertThat(new DeliveryStore(store).attempts(d)).hasSize(1);
    }

    @Test
    void aFailedRebuildLeavesTheOldStateAsItWas() throws Exception {
        run(tx -> tx.saveRooms(List.of(room("RM_old", "old", Room.ACTIVE, T))));
        store.close();

        assertThatThrownBy(() -> StateStore.rebuild(location, fresh -> {
            fresh.inTransaction(tx -> {
                tx.saveRooms(List.of(room("RM_half", "half", Room.ACTIVE, T)));
                return null;
            });
            throw new java.io.IOException("the log could not be read to its end");
        })).hasMessageContaining("could not be read");

        store = StateStore.open(location);
        assertThat(StateSql.rooms(store)).extracting(Room::sid).containsExactly("RM_old");
        // and a later rebuild starts from empty, not from what the failed one left
        store.close();
        StateStore.rebuild(location, fresh -> StateSql.rooms(fresh).size());
        store = StateStore.open(location);
        assertThat(StateSql.rooms(store)).isEmpty();
    }
}
