package io.livehook.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.livehook.Livehook;
import io.livehook.reconcile.Reconciler;
import io.livehook.state.Room;
import io.livehook.state.Session;
import io.livehook.state.StateSql;
import io.livehook.testing.LivehookFixture;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator as LiveKit, losing 5 % of its webhooks on purpose and answering RoomService calls from what
 * really happened; a real livehook as the receiver, once with reconciliation and once without. With it,
 * livehook's rooms and sessions end up as LiveKit has them; without it, the lost events leave them wrong.
 */
class ReconcileEndToEndTest {
    static final String KEY = LivehookFixture.API_KEY;
    static final String SECRET = LivehookFixture.API_SECRET;
    static final long SEED = 2026;
    static final double DROP_RATE = 0.05;

    @TempDir
    Path tmp;

    @Test
    void withReconciliationLivehooksStateMatchesLiveKits_withoutItTheLostEventsShow() throws Exception {
        Run without = run(false, tmp.resolve("without"));
        Run with = run(true, tmp.resolve("with"));

        System.out.printf("reconcile e2e: %d events, %d dropped (%.0f %%); without reconciliation %d session(s) and "
                        + "%d room(s) wrong; with it %d and %d, after %d correction(s) (%s); sessions LiveKit never "
                        + "told of (join and leave both lost, or aborted): %d%n",
                with.generated, with.dropped, DROP_RATE * 100, without.wrongSessions.size(), without.wrongRooms.size(),
                with.wrongSessions.size(), with.wrongRooms.size(), with.corrections.values().stream()
                        .mapToLong(Long::longValue).sum(), with.corrections, with.unseen);

        assertThat(with.dropped).as("the same traffic and losses in both runs").isEqualTo(without.dropped)
                .isPositive();
        assertThat(without.wrongSessions.size() + without.wrongRooms.size())
                .as("lost events leave livehook wrong without reconciliation").isPositive();
        assertThat(with.wrongSessions).as("sessions").isEmpty();
        assertThat(with.wrongRooms).as("rooms").isEmpty();
        assertThat(with.corrections.values().stream().mapToLong(Long::longValue).sum()).isPositive();
    }

    record Run(long generated, long dropped, List<String> wrongSessions, List<String> wrongRooms, int unseen,
            Map<String, Long> corrections) {}

    Run run(boolean reconcile, Path dir) throws Exception {
        GroundTruth truth = new GroundTruth();
        try (RoomServiceServer roomService = RoomServiceServer.start(truth, "127.0.0.1", 0, KEY, SECRET)) {
            var options = LivehookFixture.in(dir).env("LIVEHOOK_RECONCILE_INTERVAL", "2")
                    .env("LIVEHOOK_RECONCILE_ANOMALY_DELAY", "1").env("LIVEHOOK_RECONCILE_GRACE", "2")
                    .env("LIVEHOOK_RECONCILE_SETTLE_MS", "300").env("LIVEHOOK_RECONCILE_RATE", "100");
            if (reconcile) {
                options.env("LIVEKIT_URL", roomService.url().toString());
            }
            try (LivehookFixture fixture = options.start()) {
                Livehook livehook = fixture.livehook();
                var settings = new Simulation.Traffic(URI.create("http://127.0.0.1:" + livehook.port() + "/webhook"),
                        DeliveryProfile.oss(), 150, 40, Duration.ofSeconds(8), SEED, KEY, SECRET, DROP_RATE);
                Simulation.Result result = Simulation.run(settings, Clock.systemUTC(), truth);
                assertThat(livehook.processor().awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                Map<String, Long> corrections = Map.of();
                if (reconcile) {
                    // Past the grace of the last webhooks: one more pass sees everything as it finally is.
                    Reconciler reconciler = livehook.reconciler().orElseThrow();
                    Thread.sleep(reconciler.settings().grace().plusMillis(500));
                    reconciler.reconcile(Optional.empty());
                    assertThat(livehook.processor().awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                    corrections = StateSql.list(livehook.state(), "SELECT event_type, count(*) FROM events "
                                    + "WHERE origin = 'livehook' GROUP BY event_type",
                            rs -> Map.entry(rs.getString(1), rs.getLong(2)))
                            .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                }
                return compare(result, livehook, corrections);
            }
        }
    }

    /**
     * Open or ended, per session and per room, as LiveKit has them now. A session LiveKit never told livehook
     * of and no longer lists (its join and leave both lost, or a connection that aborted before joining) is
     * beyond any reconciliation: counted apart, not as wrong.
     */
    static Run compare(Simulation.Result result, Livehook livehook, Map<String, Long> corrections) {
        GroundTruth truth = result.truth();
        Map<String, Session> sessions = StateSql.sessions(livehook.state()).stream()
                .collect(Collectors.toMap(Session::sid, Function.identity()));
        Map<String, Room> rooms = StateSql.rooms(livehook.state()).stream()
                .collect(Collectors.toMap(Room::sid, Function.identity()));
        List<String> wrongSessions = new ArrayList<>();
        int unseen = 0;
        for (var entry : truth.sessions().entrySet()) {
            boolean connected = entry.getValue().end() == GroundTruth.Session.End.CONNECTED;
            Session known = sessions.get(entry.getKey());
            if (known == null) {
                if (connected) {
                    wrongSessions.add(entry.getKey() + " connected, unknown to livehook");
                } else {
                    unseen++;
                }
            } else if (known.open() != connected) {
                wrongSessions.add(entry.getKey() + (connected ? " connected" : " gone") + ", livehook has it "
                        + (known.open() ? "open" : "ended (" + known.endSource() + ")"));
            }
        }
        List<String> wrongRooms = new ArrayList<>();
        for (GroundTruth.RoomState state : truth.rooms().values()) {
            Room known = rooms.get(state.room().sid());
            if (known == null) {
                if (state.open()) {
                    wrongRooms.add(state.room().name() + " open, unknown to livehook");
                }
            } else if (known.active() != state.open()) {
                wrongRooms.add(state.room().name() + (state.open() ? " open" : " finished") + ", livehook has it "
                        + known.status());
            }
        }
        long dropped = result.deliveries().stream().filter(d -> d.outcome() == DeliveryOutcome.SIMULATED_LOSS).count();
        return new Run(result.report().generated(), dropped, wrongSessions, wrongRooms, unseen, corrections);
    }
}
