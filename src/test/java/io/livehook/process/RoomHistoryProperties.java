package io.livehook.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.process.RoomHistory.Sent;
import io.livehook.state.Anomaly;
import io.livehook.state.Egress;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateBackend;
import io.livehook.state.Track;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Random legal LiveKit histories, delivered as LiveKit may deliver them (each queue key in order, keys
 * interleaved at random, random retries of the same bytes, and in the second property events lost),
 * processed by the real log, processor and store.
 */
class RoomHistoryProperties {

    @Provide
    Arbitrary<RoomHistory> histories() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 4).withDistribution(RandomDistribution.uniform()),
                Arbitraries.integers().between(4, 60).withDistribution(RandomDistribution.uniform()))
                .as(RoomHistory::generate);
    }

    /** Nothing lost: the state is the history, exactly, and nothing had to be inferred. */
    @Property(tries = 40)
    void withoutLossesTheStateIsTheHistory(@ForAll("histories") RoomHistory history, @ForAll long deliverySeed) {
        try (Run run = new Run()) {
            List<Sent> delivered = interleave(history, new Random(deliverySeed), Set.of());
            run.deliver(delivered);
            Statistics.label("events").collect(history.size() < 30 ? "< 30" : history.size() < 100 ? "30-99" : ">= 100");
            Statistics.label("retries").collect(delivered.size() > history.size());
            RoomHistory.FEATURES.forEach(feature ->
                    Statistics.label(feature).collect(history.features.contains(feature)));

            ProcessingFixture f = run.f;
            assertThat(f.deadLetters()).isEmpty();
            assertThat(f.anomalies()).isEmpty();
            assertThat(f.count("SELECT count(*) FROM events")).isEqualTo(history.size());
            assertThat(f.rooms()).containsExactlyElementsOf(sorted(history.rooms.values(), Room::sid));
            assertThat(f.sessions()).containsExactlyElementsOf(sorted(history.sessions.values(), Session::sid));
            assertThat(f.tracks()).containsExactlyElementsOf(sorted(history.tracks.values(), Track::sid));
            assertThat(f.egress()).containsExactlyElementsOf(sorted(history.egress.values(), Egress::egressId));
        }
    }

    /**
     * Events lost at random: the state stays consistent, every fact an event of its own delivered is
     * exact, every inference is recorded as an anomaly, and re-reading the log changes nothing.
     */
    @Property(tries = 25)
    void withLossesNoInvariantBreaks(@ForAll("histories") RoomHistory history, @ForAll long deliverySeed,
            @ForAll @IntRange(min = 5, max = 40) int lossPercent) {
        Random random = new Random(deliverySeed);
        Set<String> lost = new HashSet<>();
        history.streams.values().forEach(events -> events.forEach(e -> {
            if (random.nextInt(100) < lossPercent) {
                lost.add(e.id());
            }
        }));
        try (Run run = new Run()) {
            List<Sent> delivered = interleave(history, random, lost);
            run.deliver(delivered);
            ProcessingFixture f = run.f;

            List<Room> rooms = f.rooms();
            List<Session> sessions = f.sessions();
            List<Track> tracks = f.tracks();
            List<Anomaly> anomalies = f.anomalies();
            Map<String, Room> roomBySid = index(rooms, Room::sid);
            Map<String, Session> sessionBySid = index(sessions, Session::sid);
            Map<String, Track> trackBySid = index(tracks, Track::sid);
            assertThat(f.deadLetters()).isEmpty();
            assertThat(f.count("SELECT count(*) FROM events")).isEqualTo(history.size() - lost.size());
            Statistics.label("anomalies").collect(anomalies.isEmpty() ? "none" : anomalies.size() < 5 ? "1-4" : ">= 5");

            // consistency
            for (Session s : sessions) {
                assertThat(roomBySid).as("room of %s", s.sid()).containsKey(s.roomSid());
                if (!roomBySid.get(s.roomSid()).active()) {
                    assertThat(s.open()).as("session %s open in finished room %s", s.sid(), s.roomSid()).isFalse();
                }
                if (!s.open()) {
                    assertThat(s.leftAtMs()).as("end of %s", s.sid()).isGreaterThanOrEqualTo(s.joinedAtMs());
                }
            }
            for (Track t : tracks) {
                Session s = sessionBySid.get(t.participantSid());
                assertThat(s).as("session of track %s", t.sid()).isNotNull();
                assertThat(t.roomSid()).isEqualTo(s.roomSid());
                if (!s.open()) {
                    assertThat(t.open()).as("track %s open while its session %s is ended", t.sid(), s.sid())
                            .isFalse();
                }
            }

            // facts from an event of their own are exact
            Map<String, String> lastEgressStatus = new LinkedHashMap<>();
            Set<String> firstCopies = new HashSet<>();
            for (Sent e : delivered) {
                if (!firstCopies.add(e.id())) {
                    continue; // a retry: the log kept the first copy
                }
                switch (e.type()) {
                    case "room_started" -> assertThat(roomBySid.get(e.roomSid())).as(e.id())
                            .extracting(Room::startSource, Room::startedAtMs)
                            .containsExactly("room_started", history.rooms.get(e.roomSid()).startedAtMs());
                    case "room_finished" -> assertThat(roomBySid.get(e.roomSid())).as(e.id())
                            .extracting(Room::status, Room::finishedAtMs, Room::endSource)
                            .containsExactly(Room.FINISHED, e.atS() * 1000, "room_finished");
                    case "participant_joined" -> assertThat(sessionBySid.get(e.participantSid())).as(e.id())
                            .extracting(Session::startSource, Session::joinedAtMs)
                            .containsExactly("participant_joined",
                                    history.sessions.get(e.participantSid()).joinedAtMs());
                    case "participant_left", "participant_connection_aborted" -> {
                        Session truth = history.sessions.get(e.participantSid());
                        assertThat(sessionBySid.get(e.participantSid())).as(e.id())
                                .extracting(Session::leftAtMs, Session::endSource, Session::finalState,
                                        Session::disconnectReason, Session::joinedAtMs, Session::metadata)
                                .containsExactly(truth.leftAtMs(), truth.endSource(), truth.finalState(),
                                        truth.disconnectReason(), truth.joinedAtMs(), truth.metadata());
                    }
                    case "track_published" -> assertThat(trackBySid.get(e.trackSid())).as(e.id())
                            .extracting(Track::publishSource, Track::publishedAtMs, Track::participantSid)
                            .containsExactly("track_published", e.atS() * 1000, e.participantSid());
                    case "track_unpublished" -> assertThat(trackBySid.get(e.trackSid())).as(e.id())
                            .extracting(Track::endSource, Track::unpublishedAtMs)
                            .containsExactly("track_unpublished", e.atS() * 1000);
                    default -> lastEgressStatus.put(e.egressId(), egressStatus(e));
                }
            }
            assertThat(f.egress()).allSatisfy(eg ->
                    assertThat(eg.status()).as(eg.egressId()).isEqualTo(lastEgressStatus.get(eg.egressId())));
            assertThat(f.egress()).hasSize(lastEgressStatus.size());

            // whatever was not known from an event of its own was inferred, and the inference is recorded
            for (Room r : rooms) {
                if (!"room_started".equals(r.startSource())) {
                    assertThat(r.startSource()).isEqualTo("inferred");
                    assertThat(anomalies).as("inferred start of %s", r.sid())
                            .anyMatch(a -> a.kind().equals("room_inferred") && r.sid().equals(a.roomSid()));
                }
                if (!r.active()) {
                    assertThat(r.endSource()).isEqualTo("room_finished");
                }
            }
            for (Session s : sessions) {
                switch (s.startSource()) {
                    case "participant_joined", "connection_aborted" -> { }
                    case "inferred" -> assertHasAnomaly(anomalies, s.sid(), "track_from_unknown_participant");
                    case "participant_left" -> assertHasAnomaly(anomalies, s.sid(), "left_without_join",
                            "track_from_unknown_participant");
                    default -> throw new AssertionError("start_source of " + s + "?");
                }
                if (!s.open()) {
                    switch (s.endSource()) {
                        case "participant_left", "connection_aborted" -> { }
                        case "room_finished" -> assertHasAnomaly(anomalies, s.sid(), "session_ended_by_room_finished",
                                "event_after_room_finished", "track_from_unknown_participant");
                        default -> throw new AssertionError("end_source of " + s + "?");
                    }
                }
            }
            for (Track t : tracks) {
                if (!"track_published".equals(t.publishSource())) {
                    assertThat(t.publishSource()).isEqualTo("inferred");
                    assertHasAnomaly(anomalies, t.participantSid(), "unpublish_without_publish");
                }
                if (!t.open()) {
                    switch (t.endSource()) {
                        case "track_unpublished" -> { }
                        case "participant_left", "connection_aborted" -> assertHasAnomaly(anomalies,
                                t.participantSid(), "track_ended_by_participant_left", "publish_after_end");
                        case "room_finished" -> assertHasAnomaly(anomalies, t.participantSid(),
                                "session_ended_by_room_finished", "publish_after_end");
                        default -> throw new AssertionError("end_source of " + t + "?");
                    }
                }
            }
            if (lost.isEmpty()) {
                assertThat(anomalies).as("no anomaly without a loss").isEmpty();
            }

            // a log handing events over again (a rewound checkpoint) changes nothing
            StateSnapshot before = StateSnapshot.of(f.store);
            f.restartFrom(random.nextLong(f.log.head(0) + 1));
            f.awaitCaughtUp();
            assertThat(StateSnapshot.of(f.store)).isEqualTo(before);
        }
    }

    // -- delivery -----------------------------------------------------------------------------------

    /**
     * The history as LiveKit may deliver it: each queue key's events in order, keys interleaved at random
     * (and appended side by side by {@link Run#deliver}), some events sent twice (a retry after a lost
     * answer: same id, same bytes, later in its key's order), the {@code lost} ones never.
     */
    static List<Sent> interleave(RoomHistory history, Random random, Set<String> lost) {
        List<List<Sent>> queues = new ArrayList<>();
        history.streams.values().forEach(events -> queues.add(
                new ArrayList<>(events.stream().filter(e -> !lost.contains(e.id())).toList())));
        queues.removeIf(List::isEmpty);
        List<Sent> delivered = new ArrayList<>();
        while (!queues.isEmpty()) {
            List<Sent> queue = queues.get(random.nextInt(queues.size()));
            Sent next = queue.remove(0);
            delivered.add(next);
            if (random.nextInt(10) == 0) {
                queue.add(random.nextInt(queue.size() + 1), next);
            }
            if (queue.isEmpty()) {
                queues.remove(queue);
            }
        }
        return delivered;
    }

    /** A log, store and processor in a directory of their own, removed afterwards. */
    static final class Run implements AutoCloseable {
        final Path dir;
        final ProcessingFixture f;

        Run() {
            try {
                dir = Files.createTempDirectory("livehook-history");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            f = new ProcessingFixture(dir, StateBackend.SQLITE);
        }

        /**
         * Appends each queue key's events in their order, the keys side by side (as LiveKit sends one
         * request at a time per key, keys in parallel), and waits until all are applied.
         */
        void deliver(List<Sent> delivered) {
            Map<String, List<Sent>> byKey = delivered.stream()
                    .collect(Collectors.groupingBy(Sent::queueKey, LinkedHashMap::new, Collectors.toList()));
            try (var senders = Executors.newFixedThreadPool(Math.min(8, Math.max(1, byKey.size())))) {
                List<Future<?>> sent = new ArrayList<>();
                for (List<Sent> events : byKey.values()) {
                    sent.add(senders.submit(() -> {
                        Set<String> seen = new HashSet<>();
                        for (Sent e : events) {
                            assertThat(f.append(e.body()).duplicate()).as("%s logged before", e.id())
                                    .isEqualTo(!seen.add(e.id()));
                        }
                    }));
                }
                for (Future<?> future : sent) {
                    future.get();
                }
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError(e);
            }
            f.awaitCaughtUp();
        }

        @Override
        public void close() {
            f.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // -- helpers ------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static String egressStatus(Sent e) {
        Map<String, Object> info = (Map<String, Object>) e.body().fields.get("egressInfo");
        return (String) info.getOrDefault("status", "EGRESS_STARTING");
    }

    static void assertHasAnomaly(List<Anomaly> anomalies, String participantSid, String... kinds) {
        Set<String> accepted = Set.of(kinds);
        assertThat(anomalies).as("an anomaly of %s among %s", participantSid, accepted)
                .anyMatch(a -> participantSid.equals(a.participantSid()) && accepted.contains(a.kind()));
    }

    static <T> List<T> sorted(java.util.Collection<T> values, Function<T, String> key) {
        return values.stream().sorted(Comparator.comparing(key)).toList();
    }

    static <T> Map<String, T> index(List<T> values, Function<T, String> key) {
        return values.stream().collect(Collectors.toMap(key, Function.identity()));
    }
}
