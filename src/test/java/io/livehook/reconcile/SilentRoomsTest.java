package io.livehook.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.livehook.Livehook;
import io.livehook.cluster.Leases;
import io.livehook.simulate.LiveKitScene;
import io.livehook.simulate.Participant;
import io.livehook.state.Anomaly;
import io.livehook.state.Room;
import io.livehook.state.StateBackend;
import io.livehook.state.StateLocation;
import io.livehook.state.StateSql;
import io.livehook.testing.HandClock;
import io.livehook.testing.LivehookFixture;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rooms ended from silence, without LiveKit's RoomService: a real livehook (no LIVEKIT_URL) taking the webhooks
 * the test delivers, and a {@link SilentRooms} on its log and state moved by a hand clock. The scene's rooms
 * say emptyTimeout 300 s and departureTimeout 20 s.
 */
@ParameterizedClass
@EnumSource(StateBackend.class)
class SilentRoomsTest {
    static final Duration MARGIN = Duration.ofSeconds(5);

    @Parameter
    StateBackend backend;
    @TempDir
    Path dir;

    final LiveKitScene scene = new LiveKitScene();
    final HandClock clock = new HandClock();
    LivehookFixture fixture;
    Livehook livehook;
    SilentRooms silent;

    @AfterEach
    void close() {
        if (silent != null) {
            silent.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    void start() {
        StateLocation state = backend.freshLocation(dir.resolve("data"));
        var options = LivehookFixture.in(dir);
        backend.env(state).forEach(options::env);
        fixture = options.start();
        livehook = fixture.livehook();
        clock.advance(Duration.between(clock.instant(), Instant.now()));
        silent = new SilentRooms(livehook.eventLog(), livehook.state(), clock, MARGIN);
    }

    @Test
    void anEmptyRoomSilentForItsDepartureTimeout_isEndedAsInferred_andLiveKitsOwnEndWinsLater() throws Exception {
        start();
        Instant t = Instant.now();
        deliver(scene.startRoom("standup", t));
        Participant alice = scene.join("standup", "alice", t);
        deliver(scene.joined(alice, t));
        Instant left = Instant.now();
        deliver(scene.leave(alice, left));
        clock.advance(Duration.between(clock.instant(), Instant.now()));

        clock.advance(Duration.ofSeconds(20));
        assertThat(silent.check()).as("within the departure timeout and the margin").isEmpty();
        clock.advance(MARGIN.plusSeconds(1));
        assertThat(silent.check()).singleElement().asString().startsWith("LHI_");
        assertThat(silent.check()).as("not ended twice").isEmpty();
        awaitProcessed();

        Room room = room(scene.roomSid("standup"));
        assertThat(room.active()).isFalse();
        assertThat(room.endSource()).isEqualTo("inferred");
        assertThat(room.finishedAtMs()).as("when LiveKit would have closed it")
                .isBetween(left.plusSeconds(20).toEpochMilli() / 1000 * 1000, clock.millis());
        assertThat(anomalies()).extracting(Anomaly::kind).containsExactly("room_end_inferred");

        Instant finished = Instant.now();
        deliver(scene.finish("standup", finished));
        Room ended = room(scene.roomSid("standup"));
        assertThat(ended.endSource()).isEqualTo("room_finished");
        assertThat(ended.finishedAtMs()).isBetween(finished.minusSeconds(1).toEpochMilli(),
                finished.plusSeconds(1).toEpochMilli());
        assertThat(anomalies()).extracting(Anomaly::kind).as("the inference stays on record")
                .containsExactly("room_end_inferred");
    }

    @Test
    void aRoomSomeoneIsIn_isLeftAlone_andOneNobodyJoined_waitsForItsEmptyTimeout() throws Exception {
        start();
        Instant t = Instant.now();
        deliver(scene.startRoom("occupied", t), scene.startRoom("unused", t));
        Participant bob = scene.join("occupied", "bob", t);
        deliver(scene.joined(bob, t));
        clock.advance(Duration.between(clock.instant(), Instant.now()));

        clock.advance(Duration.ofSeconds(290));
        assertThat(silent.check()).isEmpty();
        clock.advance(Duration.ofSeconds(20));
        assertThat(silent.check()).hasSize(1);
        awaitProcessed();

        assertThat(room(scene.roomSid("unused")).endSource()).isEqualTo("inferred");
        assertThat(room(scene.roomSid("occupied")).active()).isTrue();
        clock.advance(Duration.ofHours(5));
        assertThat(silent.check()).as("someone is in it, however long it is silent").isEmpty();
    }

    /**
     * Several livehooks on one state: only the one holding the lease looks, and another takes over when it stops.
     * Only a shared state (PostgreSQL) has several: an unshared one belongs to one process, whose leases any
     * newcomer in it takes at once.
     */
    @Test
    void onlyTheHolderOfTheLeaseEndsSilentRooms_andAnotherTakesOverWhenItLetsGo() throws Exception {
        start();
        assumeTrue(livehook.state().shared(), "leases are contended only in a state several livehooks share");
        Instant t = Instant.now();
        deliver(scene.startRoom("handover", t));
        Participant dan = scene.join("handover", "dan", t);
        deliver(scene.joined(dan, t));
        deliver(scene.leave(dan, Instant.now()));
        clock.advance(Duration.between(clock.instant(), Instant.now()).plusSeconds(20).plus(MARGIN).plusSeconds(1));
        // A job of the test's own, so that the livehook under test (which holds "reconcile") stays out of it.
        try (Leases holder = new Leases(livehook.state(), "silence-test", 1, "holder", Clock.systemUTC())) {
            holder.start();
            assertThat(holder.epoch(0)).isNotNegative();

            silent.start(new Leases(livehook.state(), "silence-test", 1, "waiting", Clock.systemUTC()));
            Thread.sleep(SilentRooms.TICK.plusSeconds(1));
            awaitProcessed();
            assertThat(room(scene.roomSid("handover")).active()).as("the lease is another's").isTrue();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (room(scene.roomSid("handover")).active() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(room(scene.roomSid("handover")).endSource()).isEqualTo("inferred");
        assertThat(anomalies()).extracting(Anomaly::kind).containsExactly("room_end_inferred");
    }

    /** The processor checks the silence again: an end that relies on a silence livehook has since broken is refused. */
    @Test
    void anEndWhoseSilenceAnEventBroke_isRefusedByTheProcessor() throws Exception {
        start();
        Instant t = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        deliver(scene.startRoom("late", t));
        Participant carol = scene.join("late", "carol", t);
        deliver(scene.joined(carol, t), scene.leave(carol, t.plusSeconds(5)));
        String sid = scene.roomSid("late");

        append(Correction.roomEndInferred(sid, "late", 0, 20, t.plusSeconds(20)));
        assertThat(room(sid).active()).as("carol left 15 s before, not 20").isTrue();
        assertThat(anomalies()).isEmpty();

        // The refused end is itself something heard of the room, at t + 20 s.
        append(Correction.roomEndInferred(sid, "late", 0, 20, t.plusSeconds(40)));
        assertThat(room(sid).endSource()).isEqualTo("inferred");
        assertThat(room(sid).finishedAtMs()).isEqualTo(t.plusSeconds(40).toEpochMilli());
        assertThat(anomalies()).extracting(Anomaly::kind).containsExactly("room_end_inferred");
    }

    void append(Correction c) throws Exception {
        livehook.eventLog().append(c.incoming(Instant.now()));
        awaitProcessed();
    }

    void deliver(byte[]... bodies) {
        fixture.deliver(bodies);
    }

    void awaitProcessed() {
        fixture.awaitCaughtUp();
    }

    Room room(String sid) {
        return StateSql.rooms(livehook.state()).stream().filter(r -> r.sid().equals(sid)).findFirst()
                .orElseThrow(() -> new AssertionError("no room " + sid));
    }

    java.util.List<Anomaly> anomalies() {
        return StateSql.anomalies(livehook.state());
    }
}
